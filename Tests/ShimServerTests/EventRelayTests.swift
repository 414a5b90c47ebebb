import Logging
import ShimCore
import Synchronization
import Testing

@testable import ShimServer

/// What a member's hub does with another member's events as its feed relays them: a
/// live-only subscriber is not sent those from before it subscribed (a feed's first
/// contact relays everything the other member keeps), and its cursor moves past them so a
/// resume does not send them either; a subscriber with a cursor gets every one.
struct EventRelayTests {
    static let now: Int64 = 1_796_556_356_000

    static func hub() -> EventHub {
        EventHub(
            settings: .init(), metrics: ShimMetrics(factory: makeTestMetricsFactory()), logger: Logger(label: "test"), origin: "self",
            clock: { now })
    }

    static func peerEvent(_ sequence: UInt64, ageMilliseconds: Int64) -> AgentEvent {
        AgentEvent(
            id: EventID(origin: "peer", sequence: sequence), agentID: AgentID("1001"), type: "AgentEvent_Ringing",
            at: now - ageMilliseconds, body: .gateway(.object([("eventType", .string("AgentEvent_Ringing"))])))
    }

    static func ids(_ items: [EventSubscription.Item]) -> [String] {
        items.compactMap { if case .event(let event) = $0 { event.id.description } else { nil } }
    }

    @Test func aLiveSubscriberGetsOnlyWhatHappenedSinceItSubscribed() async throws {
        let hub = Self.hub()
        let live = try #require(hub.subscribe(EventFilter(), after: nil))
        // A subscriber that resumes from this member's own events: every relayed one is after its cursor.
        let resuming = try #require(hub.subscribe(EventFilter(), after: EventCursor("self-0")))
        #expect(live.liveSince == Self.now && resuming.liveSince == nil)

        // The feed's first contact: ten minutes of the peer's kept events, then one within
        // the clocks' grace, then one that happens now.
        for sequence in 1...3 { hub.relay(Self.peerEvent(UInt64(sequence), ageMilliseconds: 600_000)) }
        hub.relay(Self.peerEvent(4, ageMilliseconds: EventHub.relayGrace - 1_000))
        hub.relay(Self.peerEvent(5, ageMilliseconds: 0))

        let sent = try #require(await live.queue.next())
        #expect(Self.ids(sent) == ["peer-4", "peer-5"])
        let all = try #require(await resuming.queue.next())
        #expect(Self.ids(all) == ["peer-1", "peer-2", "peer-3", "peer-4", "peer-5"])

        // The live subscriber's cursor moves past what it was not sent: resuming from it
        // (before the events it got) sends only those.
        var cursor = live.start
        live.advancePassed(&cursor)
        #expect(cursor.mark(for: "peer")?.sequence == 3)
        let again = try #require(hub.subscribe(EventFilter(), after: cursor))
        #expect(again.backlog.events.map(\.id.description) == ["peer-4", "peer-5"])
        #expect(again.backlog.gap == nil)
        // Taken once: a second call moves nothing.
        var untouched = EventCursor()
        live.advancePassed(&untouched)
        #expect(untouched.mark(for: "peer") == nil)
    }

    /// This member's own events are never held back, whatever their age.
    @Test func ownEventsReachALiveSubscriber() async throws {
        let hub = Self.hub()
        let live = try #require(hub.subscribe(EventFilter(), after: nil))
        hub.relay(Self.peerEvent(1, ageMilliseconds: 600_000))
        let own = hub.publish(try #require(AgentID("1001")), type: OwnEvent.sessionSignedIn, body: .ccgw(.object([])))
        let sent = try #require(await live.queue.next())
        #expect(Self.ids(sent) == [own.id.description])
    }
}
