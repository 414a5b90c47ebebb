import ShimCore
import Testing

/// The decision tables of `SessionMachine`: each input and the actions it returns.
struct SessionLifecycleTableTests {
    static func record(_ guid: String?, at: Int64 = 1_000) -> SavedSession {
        SavedSession(guid: guid, cookies: nil, signIn: "s-\(guid ?? "none")", phone: "70001", contactAt: at)
    }

    static func signedIn(_ machine: inout SessionMachine, _ guid: String = "g1", takeover: TakeoverReason? = nil) -> Int {
        machine.signedIn(record(guid), takeover: takeover).0.generation
    }

    @Test func aSignInSavesAndStartsTheLoopsOfANewGeneration() {
        var machine = SessionMachine(policy: .init())
        let (first, actions) = machine.signedIn(Self.record("g1"), takeover: nil)
        #expect(first == .init(guid: "g1", generation: 1))
        #expect(actions == [.save(Self.record("g1")), .announce(.began(.signedIn)), .startLoops(generation: 1)])
        #expect(machine.origin == .signedIn)
        let (second, takenBack) = machine.signedIn(Self.record("g2"), takeover: .savedSession)
        #expect(second.generation == 2)
        #expect(takenBack.contains(.announce(.began(.takenBack))))
        #expect(machine.origin == .takenBack)
        // A forcelogin the operator allowed is a sign-in, not a take-back.
        _ = machine.signedIn(Self.record("g3"), takeover: .configured)
        #expect(machine.origin == .signedIn)
    }

    @Test func lateAnswersOfAnOldGenerationChangeNothing() {
        var machine = SessionMachine(policy: .init(keepSignedIn: true))
        let old = Self.signedIn(&machine, "old")
        _ = Self.signedIn(&machine, "new")
        let rotatedOld = machine.guidReceived("rotated-old", generation: old).isEmpty
        #expect(rotatedOld)
        let polledOld = machine.polled(generation: old, now: 5).isEmpty
        #expect(polledOld)
        let endedOld = machine.ended(generation: old, source: .poll, retcode: "100-006").isEmpty
        #expect(endedOld)
        #expect(machine.current?.guid == "new")
    }

    @Test func aRotationIsSavedAndCountedOnce() {
        var machine = SessionMachine(policy: .init())
        let generation = Self.signedIn(&machine)
        let rotation = machine.guidReceived("g2", generation: generation)
        #expect(rotation == [.saveGUID("g2"), .countRotation])
        let sameGUID = machine.guidReceived("g2", generation: generation).isEmpty
        #expect(sameGUID)
        #expect(machine.current == .init(guid: "g2", generation: generation))
    }

    /// After the gateway ended a session: whether the shim signs in again by itself.
    @Test(
        arguments: [
            // keepSignedIn, signInAtStartup, resumed and unconfirmed, source, owned, closed → sign in again
            (false, false, false, SessionMachine.EndSource.poll, true, false, nil),
            (true, false, false, .poll, true, false, .keepSignedIn),
            (true, true, true, .poll, true, false, .keepSignedIn),
            // The restart case: a resumed session gone at its first poll, signInAtStartup on.
            (false, true, true, .poll, true, false, .startupAfterResume),
            // signInAtStartup alone does not sign in again after a session that was confirmed.
            (false, true, false, .poll, true, false, nil),
            // A reset's or updateGuid's caller signs in itself.
            (true, true, true, .resetSkill, true, false, nil),
            (true, false, false, .updateGuid, true, false, nil),
            // Not for an agent another member holds, nor at shutdown.
            (true, true, true, .poll, false, false, nil),
            (true, true, true, .poll, true, true, nil),
        ] as [(Bool, Bool, Bool, SessionMachine.EndSource, Bool, Bool, SessionMachine.SignInAgainReason?)])
    func afterTheGatewayEndedTheSession(
        keepSignedIn: Bool, signInAtStartup: Bool, resumed: Bool, source: SessionMachine.EndSource, owned: Bool, closed: Bool,
        expected: SessionMachine.SignInAgainReason?
    ) throws {
        var machine = SessionMachine(policy: .init(signInAtStartup: signInAtStartup, keepSignedIn: keepSignedIn))
        let generation: Int
        if resumed {
            let resumedSession = machine.resumed(Self.record("saved"))
            generation = try #require(resumedSession).0.generation
        } else {
            generation = Self.signedIn(&machine)
            _ = machine.polled(generation: generation, now: 2_000)
        }
        if !owned { _ = machine.dropped() }
        if closed { machine.close() }
        let actions = machine.ended(generation: generation, source: source, retcode: "100-006")
        let again = actions.compactMap { if case .signInAgain(let reason) = $0 { reason } else { nil } }
        if owned {
            #expect(again == (expected.map { [$0] } ?? []))
            #expect(actions.starts(with: [.forgetSaved, .countLoss("100-006"), .announce(.ended(retcode: "100-006", reason: .gateway))]))
            #expect(actions.contains(.tellGuardEnded) == (source == .poll))
            #expect(actions.contains(.reportResume(.gone)) == resumed)
        } else {
            #expect(actions.isEmpty)  // dropped: the session was already given up
        }
        #expect(machine.current == nil)
    }

    @Test func aResumedSessionIsReportedOnceByItsFirstAnswer() throws {
        var machine = SessionMachine(policy: .init())
        let saved = Self.record("saved", at: 500)
        let resumedSession = machine.resumed(saved)
        let (credentials, actions) = try #require(resumedSession)
        // Announced before the loops start: the session's first gateway event comes after.
        #expect(actions == [.save(saved), .announce(.began(.resumed)), .startLoops(generation: credentials.generation)])
        #expect(machine.origin == .resumed)
        let secondResume = machine.resumed(saved)
        #expect(secondResume == nil)  // one session at a time
        let firstPoll = machine.polled(generation: credentials.generation, now: 900)
        #expect(firstPoll == [.saveContact(900), .reportResume(.resumed)])
        let secondPoll = machine.polled(generation: credentials.generation, now: 950)
        #expect(secondPoll == [.saveContact(950)])
        // Taken back after every GUID went stale: reported as such.
        var stale = SessionMachine(policy: .init())
        let staleResume = stale.resumed(saved)
        _ = try #require(staleResume)
        let takeBack = stale.signedIn(Self.record("g2"), takeover: .staleGUID).1.first
        #expect(takeBack == .reportResume(.takenBack))
        #expect(stale.origin == .takenBack)
        // No GUID (a lost sign-in answer): nothing to resume.
        var lost = SessionMachine(policy: .init())
        let noGUID = lost.resumed(Self.record(nil))
        #expect(noGUID == nil)
    }

    /// Whether the shim is meant to hold the agent, and so shows it signed out unexpectedly.
    @Test(
        arguments: [
            // signInAtStartup, keepSignedIn, held once, owned → expected
            (false, false, true, true, false),
            (true, false, false, true, true),
            (false, true, false, true, false),
            (false, true, true, true, true),
            (true, true, true, false, false),
        ] as [(Bool, Bool, Bool, Bool, Bool)])
    func holdExpected(signInAtStartup: Bool, keepSignedIn: Bool, heldOnce: Bool, owned: Bool, expected: Bool) {
        var machine = SessionMachine(policy: .init(signInAtStartup: signInAtStartup, keepSignedIn: keepSignedIn), owned: true)
        if heldOnce {
            let generation = Self.signedIn(&machine)
            _ = machine.ended(generation: generation, source: .resetSkill, retcode: "100-006")
        }
        if !owned { _ = machine.dropped() }
        #expect(machine.holdExpected == expected)
        #expect(machine.signedOutUnexpectedly == expected)
        machine.close()
        #expect(!machine.holdExpected)
    }

    @Test func aClusterMemberExpectsOnlyTheAgentsItHolds() {
        var machine = SessionMachine(policy: .init(signInAtStartup: true), owned: false)
        #expect(!machine.holdExpected)
        machine.adopted()
        #expect(machine.signedOutUnexpectedly)
        _ = Self.signedIn(&machine)
        let dropped = machine.dropped()
        #expect(dropped == [.forgetSaved])
        #expect(machine.current == nil && !machine.holdExpected)
    }

    /// The evidence a sign-in relies on for a 100-002.
    @Test func ownSessionEvidence() {
        var machine = SessionMachine(policy: .init())
        let guardSays = SignInPermit(ownSession: .clusterSession, sessionExisted: true)
        let plain = machine.startSignIn(guardSays)
        #expect(plain == guardSays)
        // The gateway said our session ended: the guard's record proves nothing, once.
        let generation = Self.signedIn(&machine)
        _ = machine.ended(generation: generation, source: .poll, retcode: "100-006")
        let afterEnd = machine.startSignIn(guardSays)
        #expect(afterEnd == SignInPermit(ownSession: nil, sessionExisted: false))
        let nextTime = machine.startSignIn(guardSays)
        #expect(nextTime == guardSays)
        // A sign-in of ours whose answer was lost is ours, whatever the guard says.
        let lostAnswer = machine.signInAnswerLost(Self.record(nil))
        #expect(lostAnswer == [.save(Self.record(nil))])
        let afterLoss = machine.startSignIn(SignInPermit()).ownSession
        #expect(afterLoss == .lostAnswer)
        _ = Self.signedIn(&machine)
        let afterSignIn = machine.startSignIn(SignInPermit()).ownSession
        #expect(afterSignIn == nil)
    }

    @Test(
        arguments: [
            (true, false, false, [SessionMachine.Action.tellGuardSignInFailed(existed: false)], false),
            (false, false, true, [.tellGuardSignInFailed(existed: true)], true),
            (false, true, false, [], true),
        ] as [(Bool, Bool, Bool, [SessionMachine.Action], Bool)])
    func aFailedSignIn(mayPass: Bool, answerLost: Bool, existed: Bool, actions: [SessionMachine.Action], refused: Bool) {
        var machine = SessionMachine(policy: .init())
        let failed = machine.signInFailed(mayPass: mayPass, answerLost: answerLost, guardHadSession: existed)
        #expect(failed == actions)
        #expect(machine.lastSignInRefused == refused)
        _ = Self.signedIn(&machine)
        #expect(!machine.lastSignInRefused)
    }

    @Test func signingOutAndCookies() {
        var machine = SessionMachine(policy: .init(signInAtStartup: true))
        #expect(machine.cookiesChanged("a=b").isEmpty)
        let nobody = machine.signingOut().0
        #expect(nobody == nil)
        _ = Self.signedIn(&machine, "g9")
        #expect(machine.cookiesChanged("a=b") == [.saveCookies("a=b")])
        let (held, actions) = machine.signingOut()
        #expect(held?.guid == "g9")
        #expect(actions == [.tellGuardSignedOut, .forgetSaved, .announce(.ended(retcode: nil, reason: .signedOut))])
        #expect(machine.current == nil)
    }
}
