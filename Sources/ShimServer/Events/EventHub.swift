import Logging
import ShimCore
import Synchronization

/// Where every agent event goes: the gateway's events the poll loops receive and the
/// shim's own (`ccgw.…`). Stamps each with an id and the time, keeps it for subscribers
/// that reconnect (`EventLog`), and hands it to the live subscribers and the webhooks.
///
/// `publish` never waits: it runs on the agent's session actor inside the poll loop, so a
/// slow subscriber must not slow it. Each subscriber has a bounded queue and is cut off
/// (`too_slow`) when it is full; each webhook has its own bounded queue. All under one
/// short lock, which also makes every subscriber see events in id order.
final class EventHub: Sendable {
    private struct Subscriber {
        let filter: EventFilter
        let subscription: EventSubscription
    }

    private struct State {
        var log: EventLog
        var subscribers: [Int: Subscriber] = [:]
        var nextSubscriber = 0
        var closed = false
        /// One copy of each type name, shared by every event of that type (and the metric label).
        var typeNames: [String: String] = [:]
    }

    /// Distinct event type names kept as such; more are counted as `other` (label cardinality).
    static let maxTypeNames = 256

    let origin: String
    let settings: ShimConfig.Events
    private let state: Mutex<State>
    private let webhooks: [WebhookSender]
    private let metrics: ShimMetrics
    private let logger: Logger
    private let clock: @Sendable () -> Int64

    init(
        settings: ShimConfig.Events, webhooks: [WebhookSender] = [], metrics: ShimMetrics, logger: Logger, origin: String? = nil,
        clock: @escaping @Sendable () -> Int64 = { SessionClock.nowMilliseconds() }
    ) {
        var random = SystemRandomNumberGenerator()
        let origin = origin ?? EventID.makeOrigin(using: &random)
        self.origin = origin
        self.settings = settings
        let limits = EventLog.Limits(perAgent: settings.retainPerAgent, maxAge: settings.retainMaxAge.milliseconds)
        self.state = Mutex(State(log: EventLog(origin: origin, limits: limits)))
        self.webhooks = webhooks
        self.metrics = metrics
        self.logger = logger
        self.clock = clock
    }

    // MARK: Publishing

    /// A gateway event a poll of `agent` returned (PROTOCOL.md §4.1), passed on exactly as polled.
    func publishGateway(_ agent: AgentID, event: JSONValue) {
        publish(agent, type: AgentEvent.gatewayType(of: event), body: .gateway(event))
    }

    /// One of the shim's own events (`ccgw.…`).
    func publishOwn(_ agent: AgentID, type: String, details: JSONValue) {
        publish(agent, type: type, body: .ccgw(details))
    }

    @discardableResult
    func publish(_ agent: AgentID, type rawType: String, body: AgentEvent.Body) -> AgentEvent {
        let now = clock()
        let (event, cutOff, label) = state.withLock { state -> (AgentEvent, Int, String) in
            let (type, known) = Self.intern(rawType, in: &state.typeNames)
            let event = AgentEvent(id: state.log.nextID(), agentID: agent, type: type, at: now, body: body)
            state.log.keep(event, now: now)
            var cutOff = 0
            for (id, subscriber) in state.subscribers where subscriber.filter.matches(event) {
                if case .dropped = subscriber.subscription.continuation.yield(.event(event)) {
                    // Its queue is full: it ends with `ccgw.stream.closed` and resumes from its cursor.
                    subscriber.subscription.end(.tooSlow)
                    state.subscribers[id] = nil
                    cutOff += 1
                }
            }
            // Inside the lock, so each webhook's queue gets events in id order too.
            for webhook in webhooks where webhook.wants(event) { webhook.offer(event) }
            return (event, cutOff, known ? type : "other")
        }
        metrics.eventReceived(type: label)
        if cutOff > 0 {
            metrics.subscribersCutOff(count: cutOff)
            metrics.eventSubscribers(subscriberCount)
            logger.notice("event stream subscriber cut off: too far behind", metadata: ["events.subscribers_cut_off": "\(cutOff)"])
        }
        if logger.logLevel <= .debug {
            // Type, agent and id only: event content carries customers' phone numbers.
            logger.debug("event", metadata: ["agent.id": "\(agent)", "event.type": "\(event.type)", "event.id": "\(event.id)"])
        }
        return event
    }

    /// The shared copy of a type name, and whether it is among the names kept (else its metric label is `other`).
    private static func intern(_ type: String, in names: inout [String: String]) -> (String, Bool) {
        if let known = names[type] { return (known, true) }
        guard names.count < maxTypeNames else { return (type, false) }
        names[type] = type
        return (type, true)
    }

    // MARK: Subscribing

    /// A new subscriber: the kept events after `cursor` that `filter` matches (with the
    /// gap before them, if any), then every live one. Atomic with `publish`, so nothing
    /// falls between the backlog and the live events.
    func subscribe(_ filter: EventFilter, after cursor: EventCursor?) -> EventSubscription {
        let now = clock()
        let subscription = state.withLock { state -> EventSubscription in
            let backlog = state.log.backlog(after: cursor, scope: { filter.allows($0) }, types: filter.types, now: now)
            state.nextSubscriber += 1
            // Without a cursor the subscriber starts at the newest event: live only.
            let start = cursor ?? EventCursor(marks: [.init(origin: origin, sequence: state.log.lastSequence)])
            let subscription = EventSubscription(
                id: state.nextSubscriber, backlog: backlog, start: start, queue: settings.subscriberQueue, hub: self)
            if state.closed {
                subscription.end(.shuttingDown)
            } else {
                state.subscribers[subscription.id] = Subscriber(filter: filter, subscription: subscription)
            }
            return subscription
        }
        metrics.eventSubscribers(subscriberCount)
        return subscription
    }

    func unsubscribe(_ id: Int) {
        let removed = state.withLock { $0.subscribers.removeValue(forKey: id) != nil }
        if removed { metrics.eventSubscribers(subscriberCount) }
    }

    var subscriberCount: Int { state.withLock { $0.subscribers.count } }

    /// Shutdown: every open stream ends (`shutting_down`) and new ones end at once.
    func close() {
        let ended = state.withLock { state -> [EventSubscription] in
            state.closed = true
            defer { state.subscribers.removeAll() }
            return state.subscribers.values.map(\.subscription)
        }
        for subscription in ended { subscription.end(.shuttingDown) }
        metrics.eventSubscribers(0)
    }

    /// Drops kept events older than `events.retain.maxAge` (the periodic status loop calls this).
    func sweep() {
        let now = clock()
        let kept = state.withLock { state in
            state.log.expireAll(now: now)
            return state.log.keptCount
        }
        metrics.eventsKept(kept)
    }

    /// `ccgw.gap`: events after the subscriber's cursor that are no longer kept (`lost`:
    /// how many, null when unknown).
    func gapNotice(_ gap: EventLog.Gap, cursor: EventCursor, agent: AgentID?) -> AgentEvent {
        notice(OwnEvent.gap, cursor: cursor, agent: agent, details: .object([("lost", gap.lost.map { .integer(Int64($0)) } ?? .null)]))
    }

    /// The stream notice events (`ccgw.gap`, `ccgw.stream.closed`): not kept, their `id`
    /// is the stream's cursor so that resuming with it continues exactly there.
    func notice(_ type: String, cursor: EventCursor, agent: AgentID?, details: JSONValue) -> AgentEvent {
        AgentEvent(
            id: cursor.description, eventID: EventID(origin: origin, sequence: 0), agentID: agent, type: type, at: clock(),
            body: .ccgw(details))
    }
}

extension Duration {
    /// Whole milliseconds.
    var milliseconds: Int64 { components.seconds * 1000 + components.attoseconds / 1_000_000_000_000_000 }
}
