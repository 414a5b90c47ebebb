import Foundation
import GatewaySimulator
import ShimCore
import Testing

/// Recovery against the real simulator over HTTPS: what needs real sockets and the
/// simulator's own session state (expired GUIDs, unpolled sign-out, displacement, a
/// lost sign-in answer, oversized and trickling answers). The rest of issue #2's
/// table runs against an in-memory gateway in `SessionRuleTests`.
@Suite(.timeLimit(.minutes(1))) struct RecoveryTests {
    /// Signs agent 1001 in with a first successful call and clears the journal.
    /// (Set-up, not the behaviour under test: on a loaded machine the first TLS
    /// handshake and sign-in may exceed a short requestTimeout, so it may take several
    /// tries; each 504 leaves the sign-in under way for the next.)
    func warmUp(_ h: Harness) async throws {
        var status = 0
        for _ in 0..<20 where status != 200 { status = try await h.resetSkill().status }
        #expect(status == 200)
        await h.gateway.clearJournal()
    }

    @Test func refusedUpdateGuidFallsBackToForceLogin() async throws {
        try await withHarness(inProcess: true) { (h: Harness) async throws in
            try await warmUp(h)
            await h.gateway.expireGUIDs("1001")  // every GUID the shim holds is now unknown: 000-003
            let reply = try await h.resetSkill()
            #expect(reply.status == 200)
            #expect(await h.journal("updateGuid").map(\.retcode) == ["000-003"])
            #expect(await h.journal("forceLogin").map(\.retcode) == ["0"])
            #expect(await h.journal("resetSkill").map(\.retcode).suffix(2) == ["000-003", "0"])
        }
    }

    @Test func lostSessionIsSignedInAgainAndReplayed() async throws {
        // A long poll interval, so the request (not the poller) is the first to meet the lost session.
        try await withHarness(inProcess: true, yaml: { testShimYAML(gatewayURL: $0, caFile: $1, pollInterval: "20s") }) { (h: Harness) async throws in
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

    @Test(arguments: [
        (FaultRule.Action.reset, 1, 200, String?.none),
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
        try await withHarness(inProcess: true, yaml: { testShimYAML(gatewayURL: $0, caFile: $1, requestTimeout: "1s") }) {
            (h: Harness) async throws in
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
        try await withHarness(inProcess: true, yaml: { testShimYAML(gatewayURL: $0, caFile: $1, requestTimeout: "1s") }) {
            (h: Harness) async throws in
            try await warmUp(h)
            await h.gateway.addFault(FaultRule(operation: "resetSkill", action: .trickle))
            let reply = try await h.resetSkill()
            #expect(reply.status == 504)
            #expect(reply.errorCode == "gateway_timeout")
            // The agent is usable again right after.
            #expect(try await h.resetSkill().status == 200)
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
        try await withHarness(inProcess: true) { (h: Harness) async throws in
            try await warmUp(h)
            await h.gateway.displace("1001")  // someone force-signed the agent in elsewhere
            let reply = try await h.resetSkill()
            // 100-006 → sign in again → 100-002 → forceLogin is off → 409, nobody displaced.
            #expect(reply.status == 409)
            #expect(await h.journal("forceLogin").isEmpty)
        }
    }
}
