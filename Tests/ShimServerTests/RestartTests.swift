import Foundation
import GatewaySimulator
import ShimCore
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Sessions that outlive the process (issue #10): the real binary, killed or stopped
/// and started again with the same config, in front of the HTTPS simulator.
@Suite(.serialized, .timeLimit(.minutes(3))) struct RestartTests {
    @Test func killedShimResumesEveryAgentWithoutSigningIn() async throws {
        try await withRestartRig(
            agents: 50,
            configure: {
                // Rotations keep coming; the grace and the unpolled sign-out (the gateway's own two
                // minutes) are wide enough that a loaded machine (slow saves, a slow restart, 50 TLS
                // handshakes at once) cannot expire what this test resumes: with a 15 s grace, a run
                // beside the whole suite and two busy processes took 48 of 50 back.
                $0.rotationInterval = .milliseconds(500); $0.guidGrace = .seconds(60); $0.unpolledTimeout = .seconds(120)
            }
        ) { rig in
            try await rig.start(rig.yaml(sessions: "signInAtStartup: true, signOutOnShutdown: false", unpolledSignOut: "120s"))
            try await rig.waitForSaved { $0.sessions.count == 50 }
            try await Task.sleep(for: .milliseconds(700))  // rotations happen; the saved GUIDs follow
            rig.kill9()
            let mark = await rig.mark()
            try await rig.start(rig.yaml(sessions: "signInAtStartup: true, signOutOnShutdown: false", unpolledSignOut: "120s"))
            for agent in rig.agents {
                let reply = try await rig.resetSkill(agent.id)
                #expect(reply.status == 200, "\(agent.id): \(reply.body)")
            }
            #expect(await rig.calls("login", after: mark).isEmpty)
            #expect(await rig.calls("forceLogin", after: mark).isEmpty)
            for agent in rig.agents { #expect(await rig.gateway.signOutReason(agent.id) == nil, "\(agent.id)") }
            let status = try await rig.request("GET", "/v1/agents/3001")
            #expect(status.json?["sessionOrigin"] == "resumed")
            #expect(status.json?["signIns"] == .integer(0))
            try await rig.waitForLine("sessions resumed")
            let line = try #require(rig.currentLogLines.first { $0.contains("\"msg\":\"sessions resumed\"") }.flatMap { try? JSONParser.parse($0) })
            #expect(line["sessions.resumed"] == "50")
            #expect(line["sessions.gone"] == "0")
            let metrics = try await rig.request("GET", "/metrics")
            #expect(metrics.body.contains(#"ccgw_sessions_resumed_total{result="resumed"} 50"#))
            #expect(await rig.linesWithSecrets().isEmpty)
        }
    }

    /// Down while the gateway's GUID rotates: the saved GUID is superseded but still in
    /// its grace (resumed as it is), or already refused (000-003, updateGuid refused too:
    /// the session is taken back once with forceLogin). Never a plain sign-in. The first
    /// case's grace is wide: the restart itself (and the last save's age) counts against it,
    /// and a loaded machine may take seconds to start the binary.
    @Test(arguments: [(Duration.milliseconds(300), Duration.seconds(15), 0), (.seconds(3), .seconds(1), 1)])
    func downWhileTheGUIDRotates(down: Duration, grace: Duration, forceLogins: Int) async throws {
        try await withRestartRig(configure: {
            $0.rotationInterval = .milliseconds(400); $0.guidGrace = grace
        }) { rig in
            try await rig.start(rig.yaml())
            try await rig.signInAll()
            rig.kill9()
            try await Task.sleep(for: down)
            let mark = await rig.mark()
            try await rig.start(rig.yaml())
            for agent in rig.agents { #expect(try await rig.resetSkill(agent.id).status == 200) }
            #expect(await rig.calls("login", after: mark).isEmpty)
            for agent in rig.agents {
                #expect(await rig.calls("forceLogin", after: mark).filter { $0.agentID == agent.id }.count == forceLogins, "\(agent.id)")
                #expect(await rig.gateway.signOutReason(agent.id) == nil)
            }
            #expect(await rig.linesWithSecrets().isEmpty)
        }
    }

    @Test func aLostSignInAnswerIsTakenBackOnceAfterARestart() async throws {
        try await withRestartRig { rig in
            try await rig.start(rig.yaml())
            // The gateway signs the agent in but the answer never arrives; the retry hangs.
            await rig.gateway.addFault(FaultRule(operation: "login", action: .lostAnswer))
            await rig.gateway.addFault(FaultRule(operation: "login", action: .delay(.seconds(2))))
            async let pending = try? rig.resetSkill("3001")
            try await rig.waitForSaved { $0.sessions[AgentID("3001")!].map { $0.guid == nil } ?? false }
            rig.kill9()
            _ = await pending
            // The hung retry reaches the simulator after all (100-002, to nobody): let it finish first.
            for _ in 0..<200 where await rig.calls("login").count < 2 { try await Task.sleep(for: .milliseconds(25)) }
            await rig.gateway.clearFaults()
            let mark = await rig.mark()
            try await rig.start(rig.yaml())
            let reply = try await rig.resetSkill("3001")
            #expect(reply.status == 200, "\(reply.body)")
            let logins = await rig.calls("login").map { "\($0.sequence) \($0.retcode ?? "-") \($0.httpStatus)" }
            #expect(await rig.calls("login", after: mark).map(\.retcode) == ["100-002"], "\(logins) mark \(mark)")
            #expect(await rig.calls("forceLogin", after: mark).map(\.retcode) == ["0"])
            #expect(try await rig.request("GET", "/v1/agents/3001").json?["sessionOrigin"] == "takenBack")
            #expect(try await rig.request("GET", "/metrics").body.contains(#"ccgw_sign_ins_total{result="taken_back"} 1"#))
        }
    }

}
