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
