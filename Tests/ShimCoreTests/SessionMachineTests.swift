import ShimCore
import Testing

/// The decision tables of `ResetSkillRecovery` and `SignInAttempt` (PROTOCOL.md §6.1, §10.4).
struct SessionMachineTests {
    static func answer(_ retcode: String?, status: Int = 200, guid: String? = nil) -> GatewayAnswer {
        let body = retcode.map { #"{"message":"m","retcode":"\#($0)"}"# } ?? "<html>"
        return GatewayAnswer(status: status, body: Array(body.utf8), contentType: nil, newGUID: guid, setCookies: [])
    }

    @Test(
        arguments: [
            ("0", 200, ResetSkillRecovery.Step.finish(.succeeded)),
            ("000-002", 200, .finish(.rejected("000-002"))),
            ("100-011", 200, .finish(.rejected("100-011"))),
            ("000-003", 200, .refreshGUIDAndReplay),
            ("100-006", 200, .signInAgainAndReplay),
            ("100-008", 200, .signInAgainAndReplay),
            ("105-006", 200, .signInAgainAndReplay),
            ("100-007", 200, .retry),
            ("000-004", 200, .retry),
            ("000-007", 200, .retry),
            ("100-009", 200, .finish(.failed)),
            ("100-002", 200, .finish(.failed)),
            (nil, 200, .finish(.failed)),
            ("0", 503, .retry),
            ("0", 404, .finish(.failed)),
        ] as [(String?, Int, ResetSkillRecovery.Step)])
    func firstAnswer(retcode: String?, status: Int, step: ResetSkillRecovery.Step) {
        var recovery = ResetSkillRecovery(maxTransientRetries: 3)
        #expect(recovery.next(after: Self.answer(retcode, status: status), canWait: true) == step)
    }

    @Test(arguments: [("000-003", "000-003"), ("100-006", "100-006"), ("000-003", "100-006"), ("100-006", "000-003")])
    func oneReplayOnlyForAuthErrors(first: String, second: String) {
        var recovery = ResetSkillRecovery(maxTransientRetries: 3)
        #expect(recovery.next(after: Self.answer(first), canWait: true) != .finish(.sessionLost(Retcode(first))))
        #expect(recovery.next(after: Self.answer(second), canWait: true) == .finish(.sessionLost(Retcode(second))))
    }

    @Test func transientRetriesAreBoundedAndNeedTime() {
        var recovery = ResetSkillRecovery(maxTransientRetries: 3)
        for _ in 0..<3 { #expect(recovery.next(after: Self.answer("100-007"), canWait: true) == .retry) }
        #expect(recovery.next(after: Self.answer("100-007"), canWait: true) == .finish(.failed))
        var late = ResetSkillRecovery(maxTransientRetries: 3)
        #expect(late.next(after: Self.answer("100-007"), canWait: false) == .finish(.failed))
    }

    @Test(arguments: [
        (GatewayCallError.Kind.unreachable, true), (.connectionReset, true), (.timeout, false), (.tls, false), (.responseTooLarge, false),
    ])
    func transportFailures(kind: GatewayCallError.Kind, retried: Bool) {
        var recovery = ResetSkillRecovery(maxTransientRetries: 3)
        let failure = GatewayCallError(kind, "x")
        #expect(recovery.next(after: failure, canWait: true) == (retried ? .retry : .fail(failure)))
    }

    static let agent = AgentID("1001")!

    @Test(arguments: [
        // forceLogin allowed, proof of our own session, answer → step
        (false, TakeoverReason?.none, "100-002", SignInAttempt.Step.fail(SessionFailure(.signedInElsewhere, "", retcode: "100-002"))),
        (true, nil, "100-002", .forceLogin(.configured)),
        (false, .lostAnswer, "100-002", .forceLogin(.lostAnswer)),
        (false, nil, "100-004", .fail(SessionFailure(.signInRefused, "", retcode: "100-004"))),
        (false, nil, "100-013", .fail(SessionFailure(.signInRefused, "", retcode: "100-013"))),
        (false, nil, "100-007", .retry),
        (false, nil, "0", .fail(SessionFailure(.unusableAnswer, "", retcode: "0"))),
    ])
    func signInAnswers(allowed: Bool, own: TakeoverReason?, retcode: String, step: SignInAttempt.Step) {
        var attempt = SignInAttempt(agent: Self.agent, forceLoginAllowed: allowed, ownSession: own, maxTransientRetries: 3)
        #expect(attempt.operation == .login(Self.agent))
        let next = attempt.next(after: Self.answer(retcode), canWait: true)
        switch (next, step) {
        case (.fail(let a), .fail(let b)):
            #expect(a.kind == b.kind && a.retcode == b.retcode)
        default:
            #expect(next == step)
        }
        if case .forceLogin = step { #expect(attempt.operation == .forceLogin(Self.agent)) }
    }

    @Test func signInInstallsTheGUIDAndNeverForcesTwice() {
        var attempt = SignInAttempt(agent: Self.agent, forceLoginAllowed: true, ownSession: nil, maxTransientRetries: 3)
        #expect(attempt.next(after: Self.answer("100-002"), canWait: true) == .forceLogin(.configured))
        if case .fail(let failure) = attempt.next(after: Self.answer("100-002"), canWait: true) {
            #expect(failure.kind == .signedInElsewhere)
        } else {
            Issue.record("a forceLogin answering 100-002 must fail")
        }
        var fresh = SignInAttempt(agent: Self.agent, forceLoginAllowed: false, ownSession: nil, maxTransientRetries: 3)
        #expect(fresh.next(after: Self.answer("0", guid: "g"), canWait: true) == .signedIn(guid: "g"))
    }

    @Test func aLostSignInAnswerMakesTheNext100002Ours() {
        var attempt = SignInAttempt(agent: Self.agent, forceLoginAllowed: false, ownSession: nil, maxTransientRetries: 3)
        #expect(attempt.next(after: GatewayCallError(.connectionReset, "x"), canWait: true) == .retry)
        #expect(attempt.answerLost)
        #expect(attempt.next(after: Self.answer("100-002"), canWait: true) == .forceLogin(.lostAnswer))
        var refused = SignInAttempt(agent: Self.agent, forceLoginAllowed: false, ownSession: nil, maxTransientRetries: 3)
        #expect(refused.next(after: GatewayCallError(.unreachable, "x"), canWait: true) == .retry)
        #expect(!refused.answerLost)  // a refused connection never reached the gateway
    }
}
