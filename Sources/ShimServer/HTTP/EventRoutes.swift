import HTTPTypes
import Hummingbird
import NIOCore
import ShimCore

/// `GET /v1/agents/{agentId}/events` and `GET /v1/events`: the agents' events as a
/// Server-Sent Events stream, or with `Accept: application/json` as a long-poll.
/// Same authentication and scope as the other agent routes: a caller reads the events
/// of the agents it may reset, and naming any other agent is 403.
struct EventRoutes {
    typealias Context = ShimRequestContext
    let hub: EventHub
    let registry: SessionRegistry
    let metrics: ShimMetrics

    func agentEvents(_ request: Request, context: Context) async throws -> Response {
        let id = try context.agentID()
        try context.identity.authorize(id)
        guard registry.session(for: id) != nil else { throw APIError.unknownAgent(id) }
        let query = try EventQuery(request)
        let filter = EventFilter(scope: context.identity.scope, agents: [id], types: query.types)
        return try await respond(query, filter: filter, agent: id)
    }

    func allEvents(_ request: Request, context: Context) async throws -> Response {
        let identity = try context.identity.authenticated()
        let query = try EventQuery(request)
        if let agents = query.agents {
            for agent in agents {
                try identity.authorize(agent)
                guard registry.session(for: agent) != nil else { throw APIError.unknownAgent(agent) }
            }
        }
        let filter = EventFilter(scope: identity.scope, agents: query.agents.map(Set.init), types: query.types)
        return try await respond(query, filter: filter, agent: nil)
    }

    private func respond(_ query: EventQuery, filter: EventFilter, agent: AgentID?) async throws -> Response {
        let subscription = hub.subscribe(filter, after: query.cursor)
        if query.longPoll { return await longPoll(subscription, wait: query.wait, agent: agent) }
        let stream = EventStream(subscription: subscription, hub: hub, agent: agent, metrics: metrics)
        var headers: HTTPFields = [.contentType: "text/event-stream; charset=utf-8", .cacheControl: "no-cache"]
        headers[HTTPField.Name("X-Accel-Buffering")!] = "no"
        return Response(status: .ok, headers: headers, body: ResponseBody { writer in try await stream.write(to: &writer) })
    }

    /// The events after the cursor now, or the first to arrive within `wait`:
    /// `{"events": [...], "cursor": "<resume here>"}`.
    private func longPoll(_ subscription: EventSubscription, wait: Duration, agent: AgentID?) async -> Response {
        defer { subscription.cancel() }
        var cursor = subscription.start
        var events: [String] = []
        if let gap = subscription.backlog.gap {
            cursor.reported(origin: hub.origin, through: gap.reportedThrough)
            cursor.retain(origins: [hub.origin])
            events.append(hub.gapNotice(gap, cursor: cursor, agent: agent).json)
        }
        for event in subscription.backlog.events {
            cursor.advance(to: event.id)
            events.append(event.json)
        }
        if events.isEmpty, wait > .zero {
            let timer = Task { [continuation = subscription.continuation] in
                try? await Task.sleep(for: wait)
                continuation.finish()
            }
            defer { timer.cancel() }
            for await item in subscription.items {
                guard case .event(let event) = item else { continue }
                cursor.advance(to: event.id)
                events.append(event.json)
                break
            }
        }
        metrics.eventsDelivered(.longPoll, count: events.count)
        var body = "{\"events\":[" + events.joined(separator: ",") + "],\"cursor\":"
        JSONValue.writeString(cursor.description, into: &body)
        body += "}"
        return Response(
            status: .ok, headers: [.contentType: "application/json", .cacheControl: "no-store"], body: .init(byteBuffer: ByteBuffer(string: body)))
    }
}
