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

    /// `GET /v1/cluster/events`, for the other members only (the peer token): this member's
    /// own events, which they relay to their subscribers (`PeerEventFeeds`).
    func clusterEvents(_ request: Request, context: Context) async throws -> Response {
        guard case .peer = try context.identity.authenticated() else {
            throw APIError(.forbidden, "peer_only", "this route serves the cluster's members (the peer token)")
        }
        var filter = EventFilter()
        filter.origins = [hub.origin]
        return try await respond(try EventQuery(request), filter: filter, agent: nil, counted: false)
    }

    private func respond(_ query: EventQuery, filter: EventFilter, agent: AgentID?, counted: Bool = true) async throws -> Response {
        guard let subscription = hub.subscribe(filter, after: query.cursor, counted: counted) else {
            throw APIError.tooManySubscribers(limit: hub.settings.maxSubscribers)
        }
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
            cursor.report(gap)
            events.append(hub.gapNotice(lost: gap.lost, cursor: cursor, agent: agent).json)
        }
        for event in subscription.backlog.events {
            cursor.advance(to: event.id)
            events.append(event.json)
        }
        if events.isEmpty, wait > .zero {
            let timer = Task { [queue = subscription.queue] in
                try? await Task.sleep(for: wait)
                queue.finish()
            }
            defer { timer.cancel() }
            if let batch = await subscription.queue.next() {
                for item in batch {
                    switch item {
                    case .event(let event):
                        cursor.advance(to: event.id)
                        events.append(event.json)
                    case .lost(let origin, let through):
                        cursor.reported(origin: origin, through: through)
                        events.append(hub.gapNotice(lost: nil, cursor: cursor, agent: agent).json)
                    case .keepAlive: continue
                    }
                }
            }
        }
        subscription.advancePassed(&cursor)
        metrics.eventsDelivered(.longPoll, count: events.count)
        var body = "{\"events\":[" + events.joined(separator: ",") + "],\"cursor\":"
        JSONValue.writeString(cursor.description, into: &body)
        body += "}"
        return Response(
            status: .ok, headers: [.contentType: "application/json", .cacheControl: "no-store"], body: .init(byteBuffer: ByteBuffer(string: body)))
    }
}
