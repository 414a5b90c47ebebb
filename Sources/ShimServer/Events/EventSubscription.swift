import ShimCore
import Synchronization

/// One subscriber of `EventHub`: the backlog its cursor asked for, then live events
/// through a bounded queue (`SubscriberQueue`). The hub ends the stream when the subscriber falls more than
/// `events.subscriberQueue` events behind or the shim shuts down; `endReason` says which.
final class EventSubscription: Sendable {
    enum Item: Sendable {
        case event(AgentEvent)
        /// Time for a comment line (`events.keepAlive`).
        case keepAlive
        /// A member died: what it had not sent is lost (a `ccgw.gap`, unknown size).
        case lost(origin: String, through: UInt64)
    }

    /// Why the hub ended a stream (`ccgw.stream.closed`'s `reason`).
    enum EndReason: String, Sendable {
        case tooSlow = "too_slow"
        case shuttingDown = "shutting_down"
    }

    let id: Int
    let backlog: EventLog.Backlog
    let queue: SubscriberQueue
    /// Where the subscriber starts: its cursor, or the newest event's position (live only).
    let start: EventCursor
    /// A live-only subscriber (no cursor): when it subscribed, in the hub's milliseconds.
    let liveSince: Int64?
    private let ending = Mutex<EndReason?>(nil)
    /// Relayed events from before `liveSince` it was not sent, newest per origin: its
    /// cursor moves past them, so a resume does not send them either.
    private let passed = Mutex<[String: UInt64]>([:])
    private let hub: EventHub

    init(id: Int, backlog: EventLog.Backlog, start: EventCursor, liveSince: Int64? = nil, queue: Int, hub: EventHub) {
        self.id = id
        self.backlog = backlog
        self.start = start
        self.liveSince = liveSince
        self.hub = hub
        self.queue = SubscriberQueue(capacity: queue)
    }

    /// A relayed event this subscriber is not sent (it happened before it subscribed).
    func pass(_ id: EventID) {
        passed.withLock { $0[id.origin] = max($0[id.origin] ?? 0, id.sequence) }
    }

    /// Moves `cursor` past the events passed since the last call.
    func advancePassed(_ cursor: inout EventCursor) {
        let taken = passed.withLock { passed -> [String: UInt64] in
            defer { passed.removeAll() }
            return passed
        }
        for (origin, sequence) in taken { cursor.advance(to: EventID(origin: origin, sequence: sequence)) }
    }

    /// Ends the stream for `reason` (the first reason stays).
    func end(_ reason: EndReason) {
        ending.withLock { if $0 == nil { $0 = reason } }
        queue.finish()
    }

    var endReason: EndReason? { ending.withLock { $0 } }

    /// The subscriber is gone (it disconnected or its request ended).
    func cancel() {
        queue.finish()
        hub.unsubscribe(id)
    }
}
