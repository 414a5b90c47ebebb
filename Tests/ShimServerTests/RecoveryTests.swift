import Foundation
import GatewaySimulator
import ShimCore
import Testing

/// Each recovery row of issue #2, against the simulator's injected faults.
@Suite(.timeLimit(.minutes(1))) struct RecoveryTests {
    /// Signs agent 1001 in with a first successful call and clears the journal.
    /// (Set-up, not the behaviour under test: on a loaded machine the first TLS
    /// handshake may exceed a short requestTimeout, so it may take a second try.)
    func warmUp(_ h: Harness) async throws {
        var status = 0
        for _ in 0..<3 where status != 200 { status = try await h.resetSkill().status }
        #expect(status == 200)
        await h.gateway.clearJournal()
    }

    @Test func staleGUIDIsRefreshedWithUpdateGuidAndReplayedOnce() async throws {
        try await withHarness { (h: Harness) async throws in
            try await warmUp(h)
            await h.gateway.addFault(FaultRule(operation: "resetSkill", action: .retcode("000-003")))
            let reply = try await h.resetSkill()
            #expect(reply.status == 200)
            #expect(await h.journal("resetSkill").count == 2)
            #expect(await h.journal("updateGuid").count == 1)
            #expect(await h.journal("login").isEmpty)
            #expect(await h.journal("forceLogin").isEmpty)
            // The replay carried the GUID updateGuid handed out.
            #expect(await h.journal("resetSkill").last?.guidState == "current")
            let status = try await h.request("GET", "/v1/agents/1001")
            #expect(status.json?["rotations"] == .integer(1))
        }
    }

    @Test func refusedUpdateGuidFallsBackToForceLogin() async throws {
        try await withHarness { (h: Harness) async throws in
            try await warmUp(h)
            await h.gateway.expireGUIDs("1001")  // every GUID the shim holds is now unknown: 000-003
            let reply = try await h.resetSkill()
            #expect(reply.status == 200)
            #expect(await h.journal("updateGuid").map(\.retcode) == ["000-003"])
            #expect(await h.journal("forceLogin").map(\.retcode) == ["0"])
            #expect(await h.journal("resetSkill").map(\.retcode).suffix(2) == ["000-003", "0"])
        }
    }

    @Test func updateGuidSayingTheSessionIsGoneLeadsToAPlainSignIn() async throws {
        try await withHarness(yaml: { testShimYAML(gatewayURL: $0, caFile: $1, forceLogin: true) }) { (h: Harness) async throws in
            try await warmUp(h)
            await h.gateway.addFault(FaultRule(operation: "resetSkill", action: .retcode("000-003")))
            await h.gateway.addFault(FaultRule(operation: "updateGuid", action: .retcode("100-006")))
            #expect(try await h.resetSkill().status == 200)
            // 100-006 means the session is gone: sign in (the simulator still holds it: 100-002,
            // and forceLogin is on), not an unconditional forcelogin.
            #expect(await h.journal("login").map(\.retcode) == ["100-002"])
            #expect(await h.journal("forceLogin").map(\.retcode) == ["0"])
        }
    }

    @Test func transientUpdateGuidFailureIsReportedWithoutForceLogin() async throws {
        try await withHarness { (h: Harness) async throws in
            try await warmUp(h)
            await h.gateway.addFault(FaultRule(operation: "resetSkill", action: .retcode("000-003")))
            await h.gateway.addFault(FaultRule(operation: "updateGuid", action: .retcode("100-007")))
            let reply = try await h.resetSkill()
            #expect(reply.status == 502)
            #expect(reply.errorCode == "gateway_error")
            #expect(await h.journal("forceLogin").isEmpty)
        }
    }

    @Test func persistentStaleGUIDEndsAsSessionLost() async throws {
        try await withHarness { (h: Harness) async throws in
            try await warmUp(h)
            await h.gateway.addFault(FaultRule(operation: "resetSkill", action: .retcode("000-003"), times: 2))
            let reply = try await h.resetSkill()
            #expect(reply.status == 502)
            #expect(reply.errorCode == "gateway_session_lost")
            #expect(reply.errorRetcode == "000-003")
            #expect(await h.journal("resetSkill").count == 2)  // one replay, never more
        }
    }

    @Test func lostSessionIsSignedInAgainAndReplayed() async throws {
        // A long poll interval, so the request (not the poller) is the first to meet the lost session.
        try await withHarness(yaml: { testShimYAML(gatewayURL: $0, caFile: $1, pollInterval: "20s") }) { (h: Harness) async throws in
            try await warmUp(h)
            try await Task.sleep(for: .milliseconds(300))  // the first poll took a queued event at once; the poller now sleeps
            await h.gateway.signOutUnpolled("1001")  // the gateway dropped the agent: 100-006
            let reply = try await h.resetSkill()
            #expect(reply.status == 200)
            #expect(await h.journal("resetSkill").map(\.retcode) == ["100-006", "0"])
            #expect(await h.journal("login").map(\.retcode) == ["0"])
            let status = try await h.request("GET", "/v1/agents/1001")
            #expect(status.json?["signIns"] == .integer(2))
        }
    }

    @Test func sessionStillGoneAfterReplayIsReported() async throws {
        try await withHarness(yaml: { testShimYAML(gatewayURL: $0, caFile: $1, forceLogin: true) }) { (h: Harness) async throws in
            try await warmUp(h)
            await h.gateway.addFault(FaultRule(operation: "resetSkill", action: .retcode("100-006"), times: 2))
            let reply = try await h.resetSkill()
            #expect(reply.status == 502)
            #expect(reply.errorCode == "gateway_session_lost")
            #expect(reply.errorRetcode == "100-006")
            #expect(await h.journal("resetSkill").count == 2)
        }
    }

    @Test func transientGatewayFailureIsRetried() async throws {
        try await withHarness { (h: Harness) async throws in
            try await warmUp(h)
            await h.gateway.addFault(FaultRule(operation: "resetSkill", action: .retcode("100-007"), times: 2))
            let reply = try await h.resetSkill()
            #expect(reply.status == 200)
            #expect(await h.journal("resetSkill").map(\.retcode) == ["100-007", "100-007", "0"])
        }
    }

    @Test func persistentGatewayFailureIsBoundedAndReported() async throws {
        try await withHarness { (h: Harness) async throws in
            try await warmUp(h)
            await h.gateway.addFault(FaultRule(operation: "resetSkill", action: .retcode("100-007"), times: nil))
            let reply = try await h.resetSkill()
            #expect(reply.status == 502)
            #expect(reply.errorCode == "gateway_error")
            #expect(reply.errorRetcode == "100-007")
            #expect(await h.journal("resetSkill").count == 4)  // first try + 3 retries
        }
    }

    @Test func parameterErrorIsNotRetried() async throws {
        try await withHarness { (h: Harness) async throws in
            try await warmUp(h)
            await h.gateway.addFault(FaultRule(operation: "resetSkill", action: .retcode("000-002")))
            let reply = try await h.resetSkill()
            #expect(reply.status == 400)
            #expect(reply.errorCode == "gateway_rejected")
            #expect(reply.errorRetcode == "000-002")
            #expect(await h.journal("resetSkill").count == 1)
        }
    }

    @Test func unknownRetcodeIsReportedWithoutRetry() async throws {
        try await withHarness { (h: Harness) async throws in
            try await warmUp(h)
            await h.gateway.addFault(FaultRule(operation: "resetSkill", action: .retcode("100-009")))
            let reply = try await h.resetSkill()
            #expect(reply.status == 502)
            #expect(reply.errorCode == "gateway_error")
            #expect(reply.errorRetcode == "100-009")
            #expect(await h.journal("resetSkill").count == 1)
        }
    }

    @Test(arguments: [
        (FaultRule.Action.httpStatus(503), 1, 200, String?.none),
        (.httpStatus(503), 10, 502, "gateway_error"),
        (.reset, 1, 200, nil),
        (.reset, 10, 502, "gateway_unreachable"),
        (.garbage, 1, 502, "gateway_error"),
        (.hugeBody(3 << 20), 1, 502, "gateway_error"),  // over the 1 MiB cap
    ])
    func transportFaultsOnResetSkill(action: FaultRule.Action, times: Int, status: Int, code: String?) async throws {
        try await withHarness { (h: Harness) async throws in
            try await warmUp(h)
            await h.gateway.addFault(FaultRule(operation: "resetSkill", action: action, times: times))
            let reply = try await h.resetSkill()
            #expect(reply.status == status)
            #expect(reply.errorCode == code)
            if case .garbage = action { #expect(await h.journal("resetSkill").count == 1) }
        }
    }

    @Test func slowGatewayGivesTimeout() async throws {
        try await withHarness(yaml: { testShimYAML(gatewayURL: $0, caFile: $1, requestTimeout: "1s") }) { (h: Harness) async throws in
            try await warmUp(h)
            await h.gateway.addFault(FaultRule(operation: "resetSkill", action: .delay(.seconds(3))))
            let started = ContinuousClock.now
            let reply = try await h.resetSkill()
            #expect(reply.status == 504)
            #expect(reply.errorCode == "gateway_timeout")
            _ = started
        }
    }

    @Test func tricklingGatewayCannotHoldARequestPastItsDeadline() async throws {
        try await withHarness(yaml: { testShimYAML(gatewayURL: $0, caFile: $1, requestTimeout: "1s") }) { (h: Harness) async throws in
            try await warmUp(h)
            await h.gateway.addFault(FaultRule(operation: "resetSkill", action: .trickle))
            let reply = try await h.resetSkill()
            #expect(reply.status == 504)
            #expect(reply.errorCode == "gateway_timeout")
            // The agent is usable again right after.
            #expect(try await h.resetSkill().status == 200)
        }
    }

    @Test func wrongPasswordIsASignInFailure() async throws {
        try await withHarness(yaml: {
            testShimYAML(gatewayURL: $0, caFile: $1, agents: "  - {id: \"1001\", phone: \"70001\", password: wrong-password}")
        }) { (h: Harness) async throws in
            let reply = try await h.resetSkill()
            #expect(reply.status == 502)
            #expect(reply.errorCode == "gateway_sign_in_failed")
            #expect(reply.errorRetcode == "100-004")
            #expect(!reply.body.contains("wrong-password"))
            #expect(await h.journal("resetSkill").isEmpty)
        }
    }

    @Test func alreadySignedInWithoutForceLoginIsAConflict() async throws {
        try await withHarness { (h: Harness) async throws in
            await h.gateway.signInElsewhere("1001")
            let reply = try await h.resetSkill()
            #expect(reply.status == 409)
            #expect(reply.errorCode == "agent_signed_in_elsewhere")
            #expect(reply.errorRetcode == "100-002")
            #expect(await h.journal("forceLogin").isEmpty)
            #expect(await h.journal("resetSkill").isEmpty)
        }
    }

    @Test func alreadySignedInWithForceLoginTakesTheSessionOver() async throws {
        try await withHarness(yaml: { testShimYAML(gatewayURL: $0, caFile: $1, forceLogin: true) }) { (h: Harness) async throws in
            await h.gateway.signInElsewhere("1001")
            let reply = try await h.resetSkill()
            #expect(reply.status == 200)
            #expect(await h.journal("login").map(\.retcode) == ["100-002"])
            #expect(await h.journal("forceLogin").map(\.retcode) == ["0"])
            let status = try await h.request("GET", "/v1/agents/1001")
            #expect(status.json?["signIns"] == .integer(1))
        }
    }

    @Test func signInWhoseAnswerWasLostIsTakenBack() async throws {
        try await withHarness { (h: Harness) async throws in
            // The gateway signs the agent in, but the answer never arrives.
            await h.gateway.addFault(FaultRule(operation: "login", action: .lostAnswer))
            let reply = try await h.resetSkill()
            #expect(reply.status == 200)
            // Retry says 100-002: the session is the shim's own, so it is taken back without forceLogin on.
            #expect(await h.journal("login").map(\.retcode) == ["0", "100-002"])
            #expect(await h.journal("forceLogin").map(\.retcode) == ["0"])
        }
    }

    @Test func displacedSessionRecoversOnlyWithForceLogin() async throws {
        try await withHarness { (h: Harness) async throws in
            try await warmUp(h)
            await h.gateway.displace("1001")  // someone force-signed the agent in elsewhere
            let reply = try await h.resetSkill()
            // 100-006 → sign in again → 100-002 → forceLogin is off → 409, nobody displaced.
            #expect(reply.status == 409)
            #expect(await h.journal("forceLogin").isEmpty)
        }
    }
}
