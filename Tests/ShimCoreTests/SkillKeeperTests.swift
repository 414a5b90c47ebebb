import ShimCore
import Testing

/// `SkillKeeper`: what is desired, applied and refused, per session, and what is saved and shared.
struct SkillKeeperTests {
    static let a = SkillChoice(selection: .skills([3, 7]))
    static let b = SkillChoice(selection: .skills([1]))

    @Test func theConfiguredDefaultIsDesiredUntilACallersResetSucceeds() {
        var keeper = SkillKeeper(callerDesired: nil, configured: Self.a)
        #expect(keeper.desired == .configured(Self.a))
        _ = keeper.sessionBegan(generation: 1)
        #expect(keeper.decision(in: 1) == .reapply(Self.a))
        #expect(keeper.inSync(in: 1) == false)
        let actions = keeper.succeeded(Self.b, origin: .caller, at: 10, requestID: "r1", generation: 1, current: 1)
        let applied = AppliedSkills(choice: Self.b, origin: .caller, at: 10, requestID: "r1")
        let desired = DesiredSkills(choice: Self.b, source: .caller, setAt: 10, requestID: "r1")
        #expect(actions == [.saveApplied(applied), .saveDesired(desired), .shareDesired(desired, changed: true)])
        #expect(keeper.decision(in: 1) == .inSync)
        // The same choice again: saved and shared with its new time and request id, not as a change.
        let again = keeper.succeeded(Self.b, origin: .caller, at: 20, requestID: "r2", generation: 1, current: 1)
        let newer = DesiredSkills(choice: Self.b, source: .caller, setAt: 20, requestID: "r2")
        #expect(again.suffix(2) == [.saveDesired(newer), .shareDesired(newer, changed: false)])
    }

    @Test func aNewSessionStartsWithNothingAppliedAndAResumedOneKeepsIt() {
        var keeper = SkillKeeper(callerDesired: nil, configured: Self.a)
        _ = keeper.sessionBegan(generation: 1)
        _ = keeper.succeeded(Self.a, origin: .reapply, at: 1, requestID: nil, generation: 1, current: 1)
        #expect(keeper.inSync(in: 1) == true)
        _ = keeper.sessionBegan(generation: 2)
        #expect(keeper.applied(in: 2) == nil)
        #expect(keeper.decision(in: 2) == .reapply(Self.a))
        let kept = AppliedSkills(choice: Self.a, origin: .caller, at: 5, requestID: "x")
        let resumed = keeper.sessionBegan(generation: 3, kept: kept)
        #expect(resumed == [.saveApplied(kept)])
        #expect(keeper.decision(in: 3) == .inSync)
        #expect(keeper.decision(in: nil) == .notSignedIn)
    }

    @Test func aReapplyIsNeitherTheDesiredChoiceNorShared() {
        var keeper = SkillKeeper(callerDesired: nil, configured: Self.a)
        _ = keeper.sessionBegan(generation: 1)
        let actions = keeper.succeeded(Self.a, origin: .reapply, at: 1, requestID: "re", generation: 1, current: 1)
        #expect(actions == [.saveApplied(AppliedSkills(choice: Self.a, origin: .reapply, at: 1, requestID: "re"))])
        #expect(keeper.callerDesired == nil)
        // A success in a session that already ended is not that session's applied reset.
        let late = keeper.succeeded(Self.b, origin: .caller, at: 2, requestID: "c", generation: 1, current: 2)
        #expect(late.count == 2 && keeper.applied(in: 2) == nil)
    }

    @Test func aRefusedReapplyIsNotSentAgainInThatSession() {
        var keeper = SkillKeeper(callerDesired: nil, configured: Self.a)
        _ = keeper.sessionBegan(generation: 1)
        keeper.reapplyPending()
        #expect(keeper.reapply == .pending)
        keeper.reapplyEnded(.refused, choice: Self.a, generation: 1, retcode: "000-002", problem: nil)
        #expect(keeper.decision(in: 1) == .refused)
        #expect(keeper.reapply == .refused("000-002"))
        _ = keeper.sessionBegan(generation: 2)
        #expect(keeper.decision(in: 2) == .reapply(Self.a))
        keeper.reapplyEnded(.retry, choice: Self.a, generation: 2, retcode: nil, problem: "timeout")
        keeper.reapplyPending()
        #expect(keeper.reapply == .retrying("timeout"))
    }

    @Test func anotherMembersNewerChoiceIsAdopted() {
        var keeper = SkillKeeper(callerDesired: DesiredSkills(choice: Self.a, source: .caller, setAt: 10), configured: nil)
        let older = keeper.adopt(DesiredSkills(choice: Self.b, source: .caller, setAt: 5))
        #expect(older.isEmpty)
        let configuredOne = keeper.adopt(.configured(Self.b))
        #expect(configuredOne.isEmpty)
        let newer = DesiredSkills(choice: Self.b, source: .caller, setAt: 20)
        let adopted = keeper.adopt(newer)
        #expect(adopted == [.saveDesired(newer)])
        #expect(keeper.desired == newer)
        let changed = keeper.configure(Self.a)
        #expect(changed)
        let unchanged = keeper.configure(Self.a)
        #expect(!unchanged)
    }
}
