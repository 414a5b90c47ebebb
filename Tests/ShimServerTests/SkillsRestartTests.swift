import Foundation
import GatewaySimulator
import ShimCore
import Testing

/// Skills that stick across a restart (the real binary, `kill -9`): a session taken
/// back gets the caller's choice again; a resumed session that lived keeps it with no
/// extra resetskill. The state file holds the choice and no secret in it.
@Suite(.serialized, .timeLimit(.minutes(3))) struct SkillsRestartTests {
    @Test func takenBackSessionsGetTheirChoiceAgainAndLivingOnesAreLeftAlone() async throws {
        try await withRestartRig(configure: { $0.guidGrace = .seconds(30) }) { rig in
            try await rig.start(rig.yaml())
            for agent in rig.agents {
                let reply = try await rig.request("POST", "/v1/agents/\(agent.id)/reset-skill", body: #"{"skills":[1,2]}"#)
                #expect(reply.status == 200, "\(agent.id): \(reply.body)")
            }
            try await rig.waitForSaved { saved in
                saved.desired.count == 3 && saved.sessions.values.allSatisfy { $0.applied?.choice == SkillChoice(selection: .skills([1, 2])) }
            }
            // The saved choice: what the caller asked, with its request id, and no secret.
            let saved = try #require(rig.saved)
            for desired in saved.desired.values {
                #expect(desired.choice == SkillChoice(selection: .skills([1, 2])))
                #expect(desired.source == .caller)
                #expect(desired.requestID?.isEmpty == false)
            }
            #expect(await rig.linesWithSecrets(in: saved.desired.values.map { $0.json.serialized }).isEmpty)
            rig.kill9()
            // While it is down, the gateway refuses every GUID of two sessions (stale_guid).
            await rig.gateway.expireGUIDs("3001")
            await rig.gateway.expireGUIDs("3002")
            let mark = await rig.mark()
            try await rig.start(rig.yaml())
            var back = false
            for _ in 0..<300 {
                let forced = await rig.calls("forceLogin", after: mark).filter { $0.retcode == "0" }.count
                let resets = await rig.calls("resetSkill", after: mark).filter { $0.retcode == "0" }.count
                if forced == 2, resets == 2 {
                    back = true
                    break
                }
                try await Task.sleep(for: .milliseconds(100))
            }
            #expect(back)
            try await Task.sleep(for: .milliseconds(500))
            for agent in ["3001", "3002"] {
                #expect(await rig.calls("forceLogin", after: mark).filter { $0.agentID == agent && $0.retcode == "0" }.count == 1)
                #expect(await rig.calls("resetSkill", after: mark).filter { $0.agentID == agent }.count == 1)
                #expect(await rig.gateway.joinedSkills(agent) == [1, 2])
            }
            // 3003's session lived on with its queues: resumed, nothing sent again.
            #expect(await rig.calls("resetSkill", after: mark).filter { $0.agentID == "3003" }.isEmpty)
            #expect(await rig.calls("forceLogin", after: mark).filter { $0.agentID == "3003" }.isEmpty)
            #expect(await rig.gateway.joinedSkills("3003") == [1, 2])
            let resumed = try await rig.request("GET", "/v1/agents/3003")
            #expect(resumed.json?["sessionOrigin"] == "resumed")
            #expect(resumed.json?["skillsInSync"] == .bool(true))
            let lines = rig.currentLogLines.filter { $0.contains("\"msg\":\"resetSkill\"") }
            #expect(lines.count == 2)
            #expect(lines.allSatisfy { $0.contains("\"reset.origin\":\"reapply\"") && $0.contains("\"session.origin\":\"takenBack\"") })
            #expect(await rig.linesWithSecrets().isEmpty)
        }
    }
}

/// An agent the shim is meant to hold is never left signed out unseen after a restart.
@Suite(.serialized, .timeLimit(.minutes(3))) struct StartupAfterRestartTests {
    /// `signInAtStartup` with saved sessions, `kill -9`, and while the shim is down the
    /// gateway forces every agent out: the restarted shim resumes each saved session, its
    /// first poll says 100-006, and the shim signs the agent in as the start-up would have
    /// and re-applies its skills. Before, nothing signed it in and nothing showed it.
    @Test func sessionsEndedWhileDownAreSignedInAgainAtStart() async throws {
        try await withRestartRig(configure: { $0.guidGrace = .seconds(30) }) { rig in
            let yaml = rig.yaml(sessions: "signInAtStartup: true, signOutOnShutdown: false", unpolledSignOut: "60s")
            try await rig.start(yaml)
            for agent in rig.agents {
                let reply = try await rig.request("POST", "/v1/agents/\(agent.id)/reset-skill", body: #"{"skills":[2]}"#)
                #expect(reply.status == 200, "\(agent.id): \(reply.body)")
            }
            try await rig.waitForSaved { $0.sessions.count == 3 && $0.desired.count == 3 }
            rig.kill9()
            for agent in rig.agents { await rig.gateway.forceOut(agent.id) }
            let mark = await rig.mark()
            try await rig.start(yaml)
            let back = await eventually(.seconds(30)) {
                let logins = await rig.calls("login", after: mark).filter { $0.retcode == "0" }.count
                let resets = await rig.calls("resetSkill", after: mark).filter { $0.retcode == "0" }.count
                return logins == 3 && resets == 3
            }
            #expect(back, "every agent signed in again and its skills re-applied")
            for agent in rig.agents {
                #expect(await rig.gateway.isSignedIn(agent.id))
                #expect(await rig.gateway.joinedSkills(agent.id) == [2])
                // No forcelogin: nobody held the agent, and the shim's saved session was gone.
                #expect(await rig.calls("forceLogin", after: mark).filter { $0.agentID == agent.id }.isEmpty)
            }
            // The gateway records a resetskill before the shim has read its answer, so the
            // shim's own view may lag the journal by that answer: wait for it, then check.
            let list = try await settled {
                try await rig.request("GET", "/v1/agents")
            } until: {
                $0.json?["skillsOutOfSync"] == .integer(0)
            }
            #expect(list.json?["signedOutUnexpectedly"] == .integer(0))
            #expect(list.json?["skillsOutOfSync"] == .integer(0))
            let resumedLine = rig.currentLogLines.first { $0.contains("\"msg\":\"sessions resumed\"") }
            #expect(resumedLine?.contains("\"sessions.gone\":\"3\"") == true)
            #expect(await rig.linesWithSecrets().isEmpty)
        }
    }

    /// An agent meant to be held that cannot be signed in (a foreign holder, forceLogin
    /// off) shows in `GET /v1/agents` and in the metrics.
    @Test func anAgentMeantToBeHeldButSignedInElsewhereIsVisible() async throws {
        try await withRestartRig(configure: { $0.guidGrace = .seconds(30) }) { rig in
            let agent = try #require(rig.agents.first).id
            await rig.gateway.signInElsewhere(agent)
            try await rig.start(rig.yaml(sessions: "signInAtStartup: true, signOutOnShutdown: false"))
            var status: JSONValue?
            for _ in 0..<200 {
                let list = try await rig.request("GET", "/v1/agents")
                if list.json?["signedOutUnexpectedly"] == .integer(1) {
                    status = list.json
                    break
                }
                try await Task.sleep(for: .milliseconds(100))
            }
            guard case .array(let agents)? = status?["agents"] else {
                Issue.record("GET /v1/agents never counted the agent signed in elsewhere")
                return
            }
            let held = agents.first { $0["agentId"]?.stringValue == agent }
            #expect(held?["signedIn"] == .bool(false))
            #expect(held?["holdExpected"] == .bool(true))
            #expect(agents.filter { $0["signedIn"] == .bool(true) }.count == 2)
            let metrics = try await rig.request("GET", "/metrics")
            #expect(metrics.body.contains("ccgw_agents_signed_out_unexpectedly 1"))
        }
    }
}
