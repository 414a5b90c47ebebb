import HTTPTypes
import HummingbirdTesting
import ShimCore
import Testing

@testable import ShimServer

/// What a session does with its sign-in guard's answers (a cluster member's decisions),
/// against an in-memory gateway and a scripted guard: nothing goes out without a permit,
/// the cluster's own session is taken back, its record of the desired skills is
/// re-applied, and the guard hears what became of the session.
@Suite(.timeLimit(.minutes(1))) struct SignInGuardTests {
    @Test func noSignInGoesOutWithoutAPermit() async throws {
        let signInGuard = ScriptedGuard()
        signInGuard.script([
            .failure(SessionFailure(.notOwner, "this member does not hold agent 1001")),
            .failure(SessionFailure(.clusterUnavailable, "etcd cannot confirm")),
        ])
        let shim = try FakeShim(signInGuard: signInGuard)
        try await shim.test { client in
            for _ in 0..<2 {
                let refused = try await client.resetSkill()
                #expect(refused.status == .serviceUnavailable)
                #expect(refused.errorCode == "cluster_unavailable")
                #expect(refused.header("Retry-After") == "1")
            }
            #expect(shim.gateway.calls("login").isEmpty)
            #expect(try await client.resetSkill().status == .ok)
        }
        #expect(signInGuard.told.prefix(3) == ["permit 1001", "permit 1001", "permit 1001"])
        #expect(shim.gateway.retcodes("login") == ["0"])
    }

    /// 100-002 for a session the guard says the cluster holds: taken back with forceLogin,
    /// each call permitted again; without that record, the agent is someone else's.
    @Test(arguments: [true, false])
    func theClustersOwnSessionIsTakenBack(clusterHeldIt: Bool) async throws {
        let signInGuard = ScriptedGuard()
        signInGuard.script([.success(SignInPermit(ownSession: clusterHeldIt ? .clusterSession : nil, sessionExisted: clusterHeldIt))])
        let shim = try FakeShim(signInGuard: signInGuard)
        shim.gateway.script("login", [.retcode("100-002")])
        try await shim.test { client in
            let reply = try await client.resetSkill()
            #expect(reply.status == (clusterHeldIt ? .ok : .conflict))
            let status = try await client.request(.get, "/v1/agents/1001")
            #expect(status.json?["sessionOrigin"] == (clusterHeldIt ? "takenBack" : .null))
        }
        #expect(shim.gateway.retcodes("forceLogin") == (clusterHeldIt ? ["0"] : []))
        #expect(signInGuard.told.filter { $0 == "permit 1001" }.count == (clusterHeldIt ? 2 : 1))
        #expect(signInGuard.told.contains("failed 1001 existed=false") == !clusterHeldIt)
    }

    /// A sign-in learns the choice the agent's callers made through another member (newer
    /// than its own) and re-applies it to the new session.
    @Test func theGuardsNewerDesiredSkillsAreReappliedToTheNewSession() async throws {
        let signInGuard = ScriptedGuard()
        let later = SessionClock.nowMilliseconds() + 60_000
        let shared = DesiredSkills(choice: SkillChoice(selection: .skills([3, 7])), source: .caller, setAt: later, requestID: "elsewhere")
        signInGuard.script([.success(SignInPermit()), .success(SignInPermit(desired: shared))])
        let shim = try FakeShim(keepSignedIn: true, signInGuard: signInGuard)
        try await shim.test { client in
            try await client.resetSkill("1001", #"{"skills":[1]}"#).expectOK()
            shim.gateway.script("getAgentEvent", [.retcode("100-006")])
            let reapplied = await eventually {
                let view = try? await client.request(.get, "/v1/agents/1001/skills")
                return view?.json?["applied"]?["origin"] == "reapply"
            }
            #expect(reapplied)
            let view = try await client.request(.get, "/v1/agents/1001/skills")
            #expect(view.json?["desired"]?["skills"] == .array([.integer(3), .integer(7)]))
            #expect(view.json?["desired"]?["requestId"] == "elsewhere")
            #expect(view.json?["applied"]?["skills"] == .array([.integer(3), .integer(7)]))
            #expect(view.json?["inSync"] == .bool(true))
        }
        #expect(signInGuard.told.contains("ended 1001"))
        #expect(shim.gateway.retcodes("login") == ["0", "0"])
        #expect(shim.gateway.retcodes("resetSkill") == ["0", "0"])
    }

    /// The poll that finds the session ended tells the guard.
    @Test func theGuardHearsThatTheGatewayEndedTheSession() async throws {
        let signInGuard = ScriptedGuard()
        let shim = try FakeShim(signInGuard: signInGuard)
        try await shim.test { client in
            try await client.resetSkill().expectOK()
            shim.gateway.script("getAgentEvent", [.retcode("100-006")])
            let ended = await eventually { signInGuard.told.contains("ended 1001") }
            #expect(ended)
            let status = try await client.request(.get, "/v1/agents/1001")
            #expect(status.json?["signedIn"] == .bool(false))
            #expect(status.json?["holdExpected"] == .bool(false))
        }
    }
}

extension TestResponse {
    /// Records an issue unless the answer is 200.
    func expectOK(sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(status == .ok, "\(text)", sourceLocation: sourceLocation)
    }
}
