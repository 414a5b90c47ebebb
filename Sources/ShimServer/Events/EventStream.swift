import Hummingbird
import NIOCore
import ShimCore

/// Writes one subscriber's Server-Sent Events: the gap before its backlog (if any), the
/// backlog, then live events with a keep-alive comment every `events.keepAlive`, until the
/// client goes away or the hub ends the stream (`ccgw.stream.closed` with the reason is then
/// the last event). Each event's `id:` is the cursor after it, so `Last-Event-ID` resumes
/// exactly there.
struct EventStream: Sendable {
    let subscription: EventSubscription
    let hub: EventHub
    /// The route's agent (`/v1/agents/{id}/events`), for the notices' `agentId`.
    let agent: AgentID?
    let metrics: ShimMetrics

    func write(to writer: inout any ResponseBodyWriter) async throws {
        defer { subscription.cancel() }
        let keepAlive = Task { [queue = subscription.queue, interval = hub.settings.keepAlive] in
            while (try? await Task.sleep(for: interval)) != nil { _ = queue.push(.keepAlive) }
        }
        defer { keepAlive.cancel() }
        var cursor = subscription.start
        var buffer = SSEFrame.opening
        if let gap = subscription.backlog.gap {
            cursor.report(gap)
            SSEFrame.append(hub.gapNotice(lost: gap.lost, cursor: cursor, agent: agent), cursor: cursor, to: &buffer)
        }
        for event in subscription.backlog.events {
            cursor.advance(to: event.id)
            SSEFrame.append(event, cursor: cursor, to: &buffer)
        }
        metrics.eventsDelivered(.sse, count: subscription.backlog.events.count)
        try await writer.write(buffer)
        // Everything waiting goes out in one write.
        while let batch = await subscription.queue.next() {
            buffer.clear()
            subscription.advancePassed(&cursor)
            var delivered = 0
            for item in batch {
                switch item {
                case .event(let event):
                    cursor.advance(to: event.id)
                    SSEFrame.append(event, cursor: cursor, to: &buffer)
                    delivered += 1
                case .keepAlive:
                    SSEFrame.appendKeepAlive(to: &buffer)
                case .lost(let origin, let through):
                    cursor.reported(origin: origin, through: through)
                    SSEFrame.append(hub.gapNotice(lost: nil, cursor: cursor, agent: agent), cursor: cursor, to: &buffer)
                }
            }
            try await writer.write(buffer)
            if delivered > 0 { metrics.eventsDelivered(.sse, count: delivered) }
        }
        if let reason = subscription.endReason {
            buffer.clear()
            subscription.advancePassed(&cursor)
            let closed = hub.notice(
                OwnEvent.streamClosed, cursor: cursor, agent: agent, details: .object([("reason", .string(reason.rawValue))]))
            SSEFrame.append(closed, cursor: cursor, to: &buffer)
            try await writer.write(buffer)
        }
        try await writer.finish(nil)
    }
}
