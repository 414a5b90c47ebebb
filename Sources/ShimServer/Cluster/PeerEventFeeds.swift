import AsyncHTTPClient
import Foundation
import HTTPTypes
import Logging
import NIOCore
import NIOHTTP1
import NIOSSL
import ShimCore

/// Cluster mode: this member's copy of every other member's events, so a subscriber here
/// gets the events of agents other members own, and can resume on any member.
///
/// One feed per live member: `GET {advertiseURL}/v1/cluster/events` with the peer token,
/// that member's own events as Server-Sent Events, resumed after the last one relayed
/// (`Last-Event-ID`), reconnecting while the member is listed. Each event is relayed into
/// the hub under its own id. A member that leaves the cluster's member list (its lease
/// ended: it died or stopped) may have received events it never sent: the hub is told
/// (`originEnded`), and subscribers get a gap of unknown size.
actor PeerEventFeeds {
    private struct Feed {
        let url: String
        let task: Task<Void, Never>
        var origin: String?
    }

    private let hub: EventHub
    private let memberID: String
    private let peerToken: String
    private let client: HTTPClient
    private let logger: Logger
    private var feeds: [String: Feed] = [:]
    private var stopped = false

    init(hub: EventHub, memberID: String, peerToken: String, tls: TLSConfiguration?, logger: Logger) {
        self.hub = hub
        self.memberID = memberID
        self.peerToken = peerToken
        self.logger = logger
        var configuration = HTTPClient.Configuration(redirectConfiguration: .disallow)
        if let tls { configuration.tlsConfiguration = tls }
        configuration.timeout = .init(connect: .seconds(1))
        // Reconnecting is this type's loop (it re-reads where to resume from), not the pool's.
        configuration.connectionPool.retryConnectionEstablishment = false
        client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }

    /// Follows the live members: a feed for each new one, and the end of the feeds of those gone.
    func reconcile(_ members: [String: ClusterRecord]) {
        guard !stopped else { return }
        for (id, record) in members where id != memberID && feeds[id]?.url != record.url {
            if let old = feeds.removeValue(forKey: id) { end(old) }
            let url = record.url
            feeds[id] = Feed(url: url, task: Task { await self.follow(member: id, url: url) })
            logger.info("cluster: following a member's events", metadata: ["cluster.member": "\(id)"])
        }
        for (id, feed) in feeds where members[id] == nil {
            feeds[id] = nil
            end(feed)
            logger.notice("cluster: a member left; events it had not sent are lost", metadata: ["cluster.member": "\(id)"])
        }
    }

    private func end(_ feed: Feed) {
        feed.task.cancel()
        if let origin = feed.origin { hub.originEnded(origin) }
    }

    /// Shutdown: every feed ends (no loss is reported: this member is going away too).
    func stop() async {
        stopped = true
        for feed in feeds.values { feed.task.cancel() }
        feeds.removeAll()
        try? await client.shutdown()
    }

    private func learned(origin: String, of member: String) {
        guard var feed = feeds[member] else { return }
        if let old = feed.origin, old != origin { hub.originEnded(old) }  // the member restarted
        feed.origin = origin
        feeds[member] = feed
    }

    private func origin(of member: String) -> String? { feeds[member]?.origin }

    /// How a member's stream ended: it broke, or the member said it is shutting down.
    private enum StreamEnd { case broke, memberStopping }

    private func follow(member: String, url: String) async {
        var failures = 0
        var stopping = false
        while !Task.isCancelled {
            var request = HTTPClientRequest(url: url + "/v1/cluster/events")
            request.headers.add(name: "Authorization", value: "Bearer \(peerToken)")
            request.headers.add(name: PeerForwarder.forwardedFrom.rawName, value: memberID)
            request.headers.add(name: "Accept", value: "text/event-stream")
            if let origin = origin(of: member), let head = hub.head(of: origin) {
                request.headers.add(name: "Last-Event-ID", value: "\(origin)-\(head)")
            } else {
                // First contact: a cursor the member cannot know gets everything it keeps.
                request.headers.add(name: "Last-Event-ID", value: "ccgwpeer-0")
            }
            do {
                let response = try await client.execute(request, timeout: .hours(24 * 365))
                if response.status == .ok {
                    // A stopping member ends every stream at once: reconnecting is not a recovery.
                    if !stopping { failures = 0 }
                    logger.debug("cluster: member's event stream open", metadata: ["cluster.member": "\(member)"])
                    if try await read(response.body, from: member) == .memberStopping, !stopping {
                        stopping = true
                        logger.info("cluster: a member is shutting down; following it until it leaves", metadata: ["cluster.member": "\(member)"])
                    }
                } else {
                    logger.warning(
                        "cluster: a member refused its event stream",
                        metadata: ["cluster.member": "\(member)", "http.status": "\(response.status.code)"])
                }
            } catch {
                logger.debug("cluster: member's event stream failed", metadata: ["cluster.member": "\(member)", "error": "\(error)"])
            }
            if Task.isCancelled { return }
            failures += 1
            if !stopping, failures == 1 || failures % 30 == 0 {
                logger.warning("cluster: a member's event stream broke; reconnecting", metadata: ["cluster.member": "\(member)"])
            }
            try? await Task.sleep(for: .milliseconds(min(200 * failures, 2000)))
        }
    }

    /// Relays each event of the stream; the stream's own notices (`ccgw.gap`, `ccgw.stream.closed`) are not events to relay.
    private func read(_ body: HTTPClientResponse.Body, from member: String) async throws -> StreamEnd {
        var pending = ""
        var end = StreamEnd.broke
        for try await chunk in body {
            pending += String(buffer: chunk)
            while let blockEnd = pending.range(of: "\n\n") {
                let block = pending[..<blockEnd.lowerBound]
                defer { pending.removeSubrange(..<blockEnd.upperBound) }
                let lines = block.split(separator: "\n")
                guard let line = lines.first(where: { $0.hasPrefix("data: ") }) else { continue }
                if lines.contains("event: \(OwnEvent.streamClosed)"), line.contains("\"\(EventSubscription.EndReason.shuttingDown.rawValue)\"") {
                    end = .memberStopping
                }
                guard let event = AgentEvent(published: String(line.dropFirst(6))), event.agentID != nil else { continue }
                if origin(of: member) != event.id.origin { learned(origin: event.id.origin, of: member) }
                hub.relay(event)
            }
        }
        return end
    }
}
