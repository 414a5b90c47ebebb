/// The events waiting for one webhook receiver, and what was lost on the way.
///
/// Events wait in lanes: an agent's events always take the same lane and a lane
/// delivers one event at a time, so each agent's events arrive in order while
/// different agents' go in parallel. At most `capacity` events wait in all; one more
/// drops the oldest waiting. Every drop (a full queue here, an event past `maxAge` in
/// `abandoned`) is counted, and the next delivery carries the count (`claimLost`).
public struct WebhookBacklog: Sendable {
    struct Waiting: Sendable {
        let event: AgentEvent
        let order: UInt64
    }

    public let capacity: Int
    private var lanes: [Ring<Waiting>]
    private var order: UInt64 = 0
    public private(set) var count = 0
    /// Dropped and not yet reported to the receiver.
    public private(set) var unreportedLost = 0

    public init(capacity: Int, lanes: Int) {
        self.capacity = capacity
        self.lanes = (0..<lanes).map { _ in Ring(capacity: capacity) }
    }

    /// The lane of an agent's events.
    public func lane(of agent: AgentID?) -> Int {
        guard let agent, let number = Int(agent.rawValue) else { return 0 }
        return number % lanes.count
    }

    /// Queues an event; returns whether the oldest waiting event was dropped to make room.
    @discardableResult
    public mutating func offer(_ event: AgentEvent) -> Bool {
        var dropped = false
        if count == capacity {
            let oldest = lanes.indices.filter { !lanes[$0].isEmpty }.min { lanes[$0].first!.order < lanes[$1].first!.order }!
            lanes[oldest].removeFirst()
            count -= 1
            unreportedLost += 1
            dropped = true
        }
        order += 1
        lanes[lane(of: event.agentID)].append(Waiting(event: event, order: order))
        count += 1
        return dropped
    }

    /// The next event of `lane`, removed from the queue (its delivery is under way).
    public mutating func take(lane: Int) -> AgentEvent? {
        guard let waiting = lanes[lane].removeFirst() else { return nil }
        count -= 1
        return waiting.event
    }

    /// The losses the next delivery reports (its `lost` field): they are that delivery's now.
    public mutating func claimLost() -> Int {
        defer { unreportedLost = 0 }
        return unreportedLost
    }

    /// A delivery was given up (past `maxAge`): its event and the losses it carried are
    /// reported by the next one.
    public mutating func abandoned(carrying lost: Int) { unreportedLost += lost + 1 }
}
