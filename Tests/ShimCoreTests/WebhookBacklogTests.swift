import ShimCore
import Testing

struct WebhookBacklogTests {
    static func event(_ sequence: UInt64, agent: String) -> AgentEvent {
        AgentEvent(id: EventID(origin: "o", sequence: sequence), agentID: AgentID(agent), type: "T", at: 0, body: .ccgw(.null))
    }

    @Test func anAgentsEventsTakeOneLaneInOrder() {
        var backlog = WebhookBacklog(capacity: 10, lanes: 4)
        for sequence in UInt64(1)...6 { backlog.offer(Self.event(sequence, agent: sequence % 2 == 0 ? "1001" : "1002")) }
        let lane = backlog.lane(of: AgentID("1001"))
        #expect(lane != backlog.lane(of: AgentID("1002")))
        var taken: [UInt64] = []
        while let event = backlog.take(lane: lane) { taken.append(event.id.sequence) }
        #expect(taken == [2, 4, 6])
        #expect(backlog.count == 3)
    }

    @Test func aFullQueueDropsTheOldestAndTheNextDeliveryReportsIt() {
        var backlog = WebhookBacklog(capacity: 2, lanes: 4)
        let first = backlog.offer(Self.event(1, agent: "1001"))
        let second = backlog.offer(Self.event(2, agent: "1002"))
        let third = backlog.offer(Self.event(3, agent: "1003"))  // drops o-1, the oldest, from another lane
        #expect(!first && !second && third)
        let lane = backlog.lane(of: AgentID("1001"))
        #expect(backlog.take(lane: lane) == nil)
        let lost = backlog.claimLost()
        let again = backlog.claimLost()
        #expect(lost == 1 && again == 0)  // reported once
        // A delivery given up: its event and the losses it carried go to the next one.
        backlog.abandoned(carrying: 1)
        let carried = backlog.claimLost()
        #expect(carried == 2)
    }

    @Test func retriesBackOffFromASecondDoublingToAMinuteWithJitter() {
        let schedule = RetrySchedule()
        #expect(schedule.pause(after: 1, unit: 1) == .seconds(1))
        #expect(schedule.pause(after: 1, unit: 0) == .milliseconds(500))
        #expect(schedule.pause(after: 3, unit: 1) == .seconds(4))
        #expect(schedule.pause(after: 7, unit: 1) == .seconds(60))
        #expect(schedule.pause(after: 60, unit: 1) == .seconds(60))
        #expect(RetrySchedule.mayTry(age: .seconds(250), pause: .seconds(40), maxAge: .seconds(300)))
        #expect(!RetrySchedule.mayTry(age: .seconds(270), pause: .seconds(40), maxAge: .seconds(300)))
    }

    @Test func aRingDropsItsOldestWhenFull() {
        var ring = Ring<Int>(capacity: 3)
        for value in 1...3 {
            let pushed = ring.append(value)
            #expect(pushed == nil)
        }
        let pushed = ring.append(4)
        #expect(pushed == 1)
        let first = ring.removeFirst()
        #expect(first == 2)
        let fits = ring.append(5)
        #expect(fits == nil)
        #expect((0..<ring.count).map { ring[$0] } == [3, 4, 5])
    }
}
