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
    private let ending = Mutex<EndReason?>(nil)
    private let hub: EventHub

    init(id: Int, backlog: EventLog.Backlog, start: EventCursor, queue: Int, hub: EventHub) {
        self.id = id
        self.backlog = backlog
        self.start = start
        self.hub = hub
        self.queue = SubscriberQueue(capacity: queue)
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
