import ShimCore
import Testing

/// What `EventLog` keeps, what a resume gets, and how it counts what was lost.
struct EventLogTests {
    static let a = AgentID("1001")!
    static let b = AgentID("1002")!

    static func event(_ log: inout EventLog, _ agent: AgentID, _ type: String = "AgentEvent_Ringing", at: Int64 = 1_000) -> AgentEvent {
        let event = AgentEvent(id: log.nextID(), agentID: agent, type: type, at: at, body: .gateway(.object([("eventType", .string(type))])))
        log.keep(event, now: at)
        return event
    }

    static func cursor(_ text: String) -> EventCursor { EventCursor(text)! }

    @Test func keepsTheNewestPerAgentAndAResumeGetsExactlyTheLaterOnesInOrder() {
        var log = EventLog(origin: "o", limits: .init(perAgent: 3, maxAge: 60_000))
        for _ in 0..<2 { _ = Self.event(&log, Self.a) }  // o-1, o-2
        _ = Self.event(&log, Self.b)  // o-3
        _ = Self.event(&log, Self.a)  // o-4
        let backlog = log.backlog(after: Self.cursor("o-1"), scope: { _ in true }, types: .all, now: 1_000)
        #expect(backlog.events.map(\.id.sequence) == [2, 3, 4])
        #expect(backlog.gap == nil)
        #expect(log.keptCount == 4)
        let onlyB = log.backlog(after: Self.cursor("o-0"), scope: { $0 == Self.b }, types: .all, now: 1_000)
        #expect(onlyB.events.map(\.id.sequence) == [3])
        // No cursor: live only.
        #expect(log.backlog(after: nil, scope: { _ in true }, types: .all, now: 1_000).events.isEmpty)
    }

    @Test func aCursorOlderThanWhatIsKeptGetsTheExactLossFirst() throws {
        var log = EventLog(origin: "o", limits: .init(perAgent: 2, maxAge: 60_000))
        for _ in 0..<5 { _ = Self.event(&log, Self.a) }  // keeps o-4, o-5; dropped o-1…o-3
        _ = Self.event(&log, Self.b, "AgentState_Ready")  // o-6
        let backlog = log.backlog(after: Self.cursor("o-1"), scope: { _ in true }, types: .all, now: 1_000)
        #expect(backlog.gap == EventLog.Gap(lost: 2, reportedThrough: ["o": 6]))
        #expect(backlog.events.map(\.id.sequence) == [4, 5, 6])
        // Resuming with the gap's cursor reports nothing again and skips nothing.
        let again = log.backlog(after: Self.cursor("o-1-6"), scope: { _ in true }, types: .all, now: 1_000)
        #expect(again.gap == nil)
        #expect(again.events.map(\.id.sequence) == [4, 5, 6])
        // Another agent's drops are no loss for a subscriber of this one.
        let onlyB = log.backlog(after: Self.cursor("o-1"), scope: { $0 == Self.b }, types: .all, now: 1_000)
        #expect(onlyB.gap == nil)
        // Nor are drops of types the subscriber does not want.
        let readyTypes = try #require(try? EventTypeFilter.parse(["AgentState_*"]).get())
        let readyOnly = log.backlog(after: Self.cursor("o-1"), scope: { _ in true }, types: readyTypes, now: 1_000)
        #expect(readyOnly.gap == nil)
        #expect(readyOnly.events.map(\.id.sequence) == [6])
    }

    @Test func eventsOlderThanMaxAgeAreDroppedAndCounted() {
        var log = EventLog(origin: "o", limits: .init(perAgent: 10, maxAge: 500))
        _ = Self.event(&log, Self.a, at: 1_000)
        _ = Self.event(&log, Self.a, at: 1_400)
        let later = log.backlog(after: Self.cursor("o-0"), scope: { _ in true }, types: .all, now: 1_600)
        #expect(later.events.map(\.id.sequence) == [2])
        #expect(later.gap?.lost == 1)
        log.expireAll(now: 2_000)
        #expect(log.keptCount == 0)
    }

    @Test func aCursorFromAnotherProcessGetsEverythingKeptAfterAnUnknownGap() {
        var log = EventLog(origin: "new", limits: .init())
        _ = Self.event(&log, Self.a)
        let backlog = log.backlog(after: Self.cursor("old-77"), scope: { _ in true }, types: .all, now: 1_000)
        #expect(backlog.gap == EventLog.Gap(lost: nil, reportedThrough: ["new": 1]))
        #expect(backlog.events.count == 1)
    }

    @Test func moreDropsThanRememberedMakeTheCountUnknown() {
        var log = EventLog(origin: "o", limits: .init(perAgent: 1, maxAge: 60_000))
        for _ in 0..<100 { _ = Self.event(&log, Self.a) }
        let old = log.backlog(after: Self.cursor("o-1"), scope: { _ in true }, types: .all, now: 1_000)
        #expect(old.gap?.lost == nil)
        #expect(old.gap != nil)
        let recent = log.backlog(after: Self.cursor("o-90"), scope: { _ in true }, types: .all, now: 1_000)
        #expect(recent.gap?.lost == 9)  // o-91…o-99 dropped, o-100 kept
    }

    /// A cluster member keeps the events it relays under their own ids: a subscriber resumes
    /// on any member; a member that died leaves an unknown gap, said once.
    @Test func relayedOriginsResumeAnywhereAndADeadOneLeavesAGapSaidOnce() throws {
        var log = EventLog(origin: "a", limits: .init())
        _ = Self.event(&log, Self.a, at: 1_000)  // a-1
        let relayed = AgentEvent(id: EventID(origin: "b", sequence: 41), agentID: Self.b, type: "T", at: 1_001, body: .ccgw(.null))
        log.keep(relayed, now: 1_001)
        #expect(log.liveCursor.description == "a-1.b-41")
        // A cursor that knows both: exactly what is after it, from either origin.
        let relayedNext = AgentEvent(id: EventID(origin: "b", sequence: 42), agentID: Self.b, type: "T", at: 1_002, body: .ccgw(.null))
        log.keep(relayedNext, now: 1_002)
        let both = log.backlog(after: Self.cursor("a-1.b-41"), scope: { _ in true }, types: .all, now: 1_003)
        #expect(both.events.map(\.id.description) == ["b-42"])
        #expect(both.gap == nil)
        // b dies: a cursor that had not heard so gets a gap of unknown size, once.
        log.originEnded("b")
        let after = log.backlog(after: Self.cursor("a-1.b-42"), scope: { _ in true }, types: .all, now: 1_003)
        #expect(after.gap == EventLog.Gap(lost: nil, reportedThrough: ["a": 1, "b": 43]))
        var cursor = Self.cursor("a-1.b-42")
        cursor.report(try #require(after.gap))
        #expect(cursor.description == "a-1.b-42-43")
        #expect(log.backlog(after: cursor, scope: { _ in true }, types: .all, now: 1_003).gap == nil)
    }

    @Test func theEventObjectHasOneShapeEverywhere() throws {
        let event = AgentEvent(
            id: EventID(origin: "o", sequence: 7), agentID: Self.a, type: "AgentEvent_Talking", at: 1_796_556_356_419,
            body: .gateway(.object([("eventType", .string("AgentEvent_Talking")), ("workNo", .string("1001")), ("content", .null)])))
        #expect(
            event.json
                == #"{"id":"o-7","agentId":"1001","type":"AgentEvent_Talking","at":"2026-12-06T11:25:56.419Z","gateway":{"eventType":"AgentEvent_Talking","workNo":"1001","content":null}}"#
        )
        #expect(RFC3339.format(milliseconds: 0) == "1970-01-01T00:00:00.000Z")
        for ms: Int64 in [0, 951_782_400_001, 1_796_556_356_419, 4_102_444_799_999] { #expect(RFC3339.parse(RFC3339.format(milliseconds: ms)) == ms) }
        let back = try #require(AgentEvent(published: event.json))
        #expect(back.id == event.id && back.agentID == event.agentID && back.type == event.type && back.at == event.at && back.json == event.json)
        #expect(AgentEvent(published: #"{"id":"x","type":"T"}"#) == nil)
        #expect(RFC3339.format(milliseconds: 951_782_400_001) == "2000-02-29T00:00:00.001Z")
        #expect(AgentEvent.gatewayType(of: .object([("eventType", .string("ccgw.session.ended"))])) == "unknown")
        #expect(AgentEvent.gatewayType(of: .object([("content", .null)])) == "unknown")
    }

    @Test func theShimsOwnEvents() {
        let applied = OwnEvent.applied(SkillChoice(selection: .skills([3, 7, 9])), origin: .reapply, configured: [1, 3, 7])
        #expect(applied.type == "ccgw.skills.applied")
        #expect(applied.details["joined"] == .array([.integer(3), .integer(7)]))
        #expect(applied.details["origin"] == .string("reapply"))
        let unknown = OwnEvent.applied(SkillChoice(selection: .allConfigured), origin: .caller, configured: nil)
        #expect(unknown.details["joined"] == .null)
        #expect(unknown.details["allConfiguredSkills"] == .bool(true))
        #expect(OwnEvent(.ended(retcode: "100-006", reason: .gateway)).details["retcode"] == .string("100-006"))
        #expect(OwnEvent(.began(.takenBack)).details["origin"] == .string("takenBack"))
    }
}
