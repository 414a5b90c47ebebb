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
        /// Counts against `events.maxSubscribers` (a caller's, not a member's feed).
        let counted: Bool
    }

    private struct State {
        var log: EventLog
        var subscribers: [Int: Subscriber] = [:]
        /// The subscribers with `counted`.
        var counted = 0
        var nextSubscriber = 0
        /// Callers' subscriptions end at once (SIGTERM); members' feeds still open.
        var closedToCallers = false
        /// Every subscription ends at once.
        var closed = false
        /// `at` of the newest event made here: never goes back, so `at` orders this origin's events as their ids do.
        var lastAt: Int64 = 0
        /// One copy of each type name, shared by every event of that type (and the metric label).
        var typeNames: [String: String] = [:]
    }

    /// Distinct event type names kept as such; more are counted as `other` (label cardinality).
    static let maxTypeNames = 256

    /// How much older than a live-only subscriber a relayed event may be and still be sent
    /// to it: the members' clocks may differ (`at` is the origin member's).
    static let relayGrace: Int64 = 30_000

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
            state.lastAt = max(now, state.lastAt)
            let event = AgentEvent(id: state.log.nextID(), agentID: agent, type: type, at: state.lastAt, body: body)
            state.log.keep(event, now: now)
            let cutOff = Self.fanOut(.event(event), matching: event, in: &state)
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

    /// Hands an item to every subscriber whose filter matches `event` (nil: every
    /// subscriber); cuts off those whose queue is full. Returns how many were cut off.
    /// `relayed`: the event came from another member; a live-only subscriber is not sent
    /// it when it happened before the subscriber subscribed (`relayGrace` allows for the
    /// members' clocks), as when a feed first relays everything the member keeps.
    private static func fanOut(_ item: EventSubscription.Item, matching event: AgentEvent?, relayed: Bool = false, in state: inout State) -> Int {
        var cutOff = 0
        for (id, subscriber) in state.subscribers where event.map({ subscriber.filter.matches($0) }) ?? true {
            if relayed, let event, let since = subscriber.subscription.liveSince, event.at < since - relayGrace {
                subscriber.subscription.pass(event.id)
                continue
            }
            if !subscriber.subscription.queue.push(item) {
                // Its queue is full: it ends with `ccgw.stream.closed` and resumes from its cursor.
                subscriber.subscription.end(.tooSlow)
                state.subscribers[id] = nil
                if subscriber.counted { state.counted -= 1 }
                cutOff += 1
            }
        }
        return cutOff
    }

    // MARK: Relaying (cluster)

    /// An event another member published (its owner's), relayed here for this member's
    /// subscribers; kept under its own id so a subscriber can resume on any member.
    /// Webhooks are the owner's: not offered here.
    func relay(_ event: AgentEvent) {
        let cutOff = state.withLock { state -> Int in
            state.log.keep(event, now: clock())
            return Self.fanOut(.event(event), matching: event, relayed: true, in: &state)
        }
        if cutOff > 0 { metrics.subscribersCutOff(count: cutOff) }
    }

    /// A member this one relayed ended without a goodbye: what it received and had not
    /// sent is lost. Live subscribers are told now (`ccgw.gap`, lost unknown); a resume
    /// with an older cursor is told then.
    func originEnded(_ origin: String) {
        let cutOff = state.withLock { state -> Int in
            guard let head = state.log.heads[origin], state.log.ended[origin] == nil else { return 0 }
            state.log.originEnded(origin)
            return Self.fanOut(.lost(origin: origin, through: head + 1), matching: nil, in: &state)
        }
        if cutOff > 0 { metrics.subscribersCutOff(count: cutOff) }
    }

    /// The newest sequence relayed from each origin (where a feed resumes).
    func head(of origin: String) -> UInt64? { state.withLock { $0.log.heads[origin] } }

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
    /// falls between the backlog and the live events. Nil when `events.maxSubscribers`
    /// callers' subscriptions are open already (`counted`; a member's feed is not).
    func subscribe(_ filter: EventFilter, after cursor: EventCursor?, counted: Bool = true) -> EventSubscription? {
        let now = clock()
        let subscription = state.withLock { state -> EventSubscription? in
            if counted, state.counted >= settings.maxSubscribers { return nil }
            var backlog = state.log.backlog(after: cursor, scope: { filter.allows($0) }, types: filter.types, now: now)
            if filter.origins != nil { backlog.events.removeAll { !filter.matches($0) } }
            state.nextSubscriber += 1
            // Without a cursor the subscriber starts after the newest event of every origin: live only.
            let start = cursor ?? state.log.liveCursor
            let subscription = EventSubscription(
                id: state.nextSubscriber, backlog: backlog, start: start, liveSince: cursor == nil ? now : nil, queue: settings.subscriberQueue,
                hub: self)
            if state.closed || (counted && state.closedToCallers) {
                subscription.end(.shuttingDown)
            } else {
                state.subscribers[subscription.id] = Subscriber(filter: filter, subscription: subscription, counted: counted)
                if counted { state.counted += 1 }
            }
            return subscription
        }
        guard let subscription else { return nil }
        metrics.eventSubscribers(subscriberCount)
        return subscription
    }

    func unsubscribe(_ id: Int) {
        let removed = state.withLock { state -> Bool in
            guard let removed = state.subscribers.removeValue(forKey: id) else { return false }
            if removed.counted { state.counted -= 1 }
            return true
        }
        if removed { metrics.eventSubscribers(subscriberCount) }
    }

    var subscriberCount: Int { state.withLock { $0.subscribers.count } }

    /// SIGTERM: callers' streams and long-polls end (`shutting_down`) and new ones end
    /// at once, so callers reconnect to another member or the next process. The other
    /// members' feeds stay open: they keep relaying the events this member polls while it
    /// drains (`shutdown.drainDelay`) until `close`.
    func closeToCallers() {
        let ended = state.withLock { state -> [EventSubscription] in
            state.closedToCallers = true
            let callers = state.subscribers.filter { $0.value.counted }
            for id in callers.keys { state.subscribers[id] = nil }
            state.counted = 0
            return callers.values.map(\.subscription)
        }
        for subscription in ended { subscription.end(.shuttingDown) }
        metrics.eventSubscribers(subscriberCount)
    }

    /// Shutdown: every open stream ends (`shutting_down`) and new ones end at once.
    func close() {
        let ended = state.withLock { state -> [EventSubscription] in
            state.closed = true
            defer {
                state.subscribers.removeAll()
                state.counted = 0
            }
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
    func gapNotice(lost: Int?, cursor: EventCursor, agent: AgentID?) -> AgentEvent {
        notice(OwnEvent.gap, cursor: cursor, agent: agent, details: .object([("lost", lost.map { .integer(Int64($0)) } ?? .null)]))
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
