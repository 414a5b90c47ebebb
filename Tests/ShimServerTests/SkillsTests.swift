import Foundation
import GatewaySimulator
import ShimCore
import Testing

/// Skills that stick (one process): every session the shim makes by itself gets the
/// agent's desired skills back, visibly; the skills view. The real shim in front of
/// the HTTPS simulator; what the agent joined is read at the simulator.
@Suite(.timeLimit(.minutes(3))) struct SkillsTests {
    static func yaml(
        _ url: String, _ caFile: String, sessions: String = "", extra: String = "", requestTimeout: String = "5s", forceLogin: Bool = false,
        agents: String = """
          - {id: "1001", phone: "70001", password: "pw-1001-Secret!"}
          - {id: "1002", phone: "70002", password: "pw-1002-Secret!"}
          - {id: "1003", phone: "70003", password: "pw-1003-Secret!"}
        """
    ) -> String {
        """
        listen: {host: 127.0.0.1, port: 0}
        gateway: {url: \(url), authMode: dynamic, caFile: \(caFile), requestTimeout: \(requestTimeout), pollTimeout: 3s}
        sessions: {pollInterval: 50ms, forceLogin: \(forceLogin)\(sessions.isEmpty ? "" : ", " + sessions)}
        agents:
        \(agents)
        logging: {level: info, format: json}
        \(extra)
        """
    }

    static func resets(_ harness: Harness, _ agent: String, after mark: Int = -1) async -> [JournalEntry] {
        await harness.gateway.entries().filter { $0.operation == "resetSkill" && $0.agentID == agent && $0.sequence > mark }
    }

    static func mark(_ harness: Harness) async -> Int { await harness.gateway.entries().last?.sequence ?? -1 }

    /// `signInAtStartup` with configured defaults: each agent signs in once and joins its
    /// default once, with a `reapply` line; nothing is out of sync afterwards.
    @Test func startUpSignInsJoinTheConfiguredDefaultsOnce() async throws {
        let agents = """
              - {id: "1001", phone: "70001", password: "pw-1001-Secret!"}
              - {id: "1002", phone: "70002", password: "pw-1002-Secret!", skills: all}
              - {id: "1003", phone: "70003", password: "pw-1003-Secret!", skills: {skills: [4, 9], phoneLinkage: false}}
            """
        try await withHarness(
            inProcess: true, yaml: { Self.yaml($0, $1, sessions: "signInAtStartup: true", extra: "skills: {default: [1, 2]}", agents: agents) }
        ) {
            harness in
            let expected = ["1001": [1, 2], "1002": [1, 2, 3, 7], "1003": [4]]
            let joined = await eventually {
                for (agent, skills) in expected where await harness.gateway.joinedSkills(agent) != skills { return false }
                return true
            }
            let sent = await harness.gateway.entries().filter { $0.operation == "resetSkill" }.map { "\($0.agentID ?? "") \($0.query ?? "")" }
            #expect(joined, "\(sent)")
            try await Task.sleep(for: .milliseconds(500))  // nothing more follows
            for agent in expected.keys {
                #expect(await Self.resets(harness, agent).count == 1, "\(agent)")
                #expect(await harness.journal("login").filter { $0.agentID == agent && $0.retcode == "0" }.count == 1)
            }
            #expect(await Self.resets(harness, "1003").first?.query == "skillid=4;9&phonelinkage=0")
            let lines = harness.logs.all.filter { $0.contains("\"msg\":\"resetSkill\"") }
            #expect(lines.count == 3)
            #expect(lines.allSatisfy { $0.contains("\"reset.origin\":\"reapply\"") && $0.contains("\"request.id\":\"reapply-") })
            let list = try await settled {
                try await harness.request("GET", "/v1/agents")
            } until: {
                $0.json?["skillsOutOfSync"] == .integer(0)
            }
            #expect(list.json?["skillsOutOfSync"] == .integer(0))
            let view = try await harness.request("GET", "/v1/agents/1001/skills")
            #expect(view.json?["inSync"] == .bool(true))
            #expect(view.json?["desired"]?["source"] == "configured")
            #expect(view.json?["applied"]?["origin"] == "reapply")
            #expect(view.json?["joined"] == .array([.integer(1), .integer(2)]))
            let metrics = try await harness.request("GET", "/metrics")
            #expect(metrics.body.contains(#"ccgw_skill_resets_total{origin="reapply",result="succeeded"} 3"#))
            #expect(metrics.body.contains("ccgw_agents_skills_out_of_sync 0"))
        }
    }

    /// `keepSignedIn`: the gateway signs the agent out (unpolled) and the shim signs it in
    /// again with the caller's last choice; a foreign holder (displaced, forceLogin off)
    /// is left alone: nothing taken, nothing re-applied.
    @Test func aSessionTheGatewayEndedIsSignedInAgainWithTheCallersChoice() async throws {
        try await withHarness(inProcess: true, yaml: { Self.yaml($0, $1, sessions: "keepSignedIn: true", extra: "skills: {default: [1]}") }) {
            harness in
            #expect(try await harness.resetSkill("1001", #"{"skills":[3,7]}"#).status == 200)
            #expect(await harness.gateway.joinedSkills("1001") == [3, 7])
            var mark = await Self.mark(harness)
            await harness.gateway.signOutUnpolled("1001")
            #expect(await eventually { await harness.gateway.joinedSkills("1001") == [3, 7] })
            #expect(await harness.gateway.entries().filter { $0.operation == "login" && $0.sequence > mark && $0.retcode == "0" }.count == 1)
            #expect(await Self.resets(harness, "1001", after: mark).count == 1)
            #expect(
                await eventually { harness.logs.all.contains { $0.contains("\"reset.origin\":\"reapply\"") && $0.contains("\"skills\":\"3;7\"") } })
            mark = await Self.mark(harness)
            await harness.gateway.displace("1001")
            let refused = await eventually {
                await harness.gateway.entries().contains { $0.operation == "login" && $0.sequence > mark && $0.retcode == "100-002" }
            }
            #expect(refused)
            try await Task.sleep(for: .milliseconds(500))
            #expect(await harness.gateway.entries().filter { $0.sequence > mark && $0.operation == "forceLogin" }.isEmpty)
            #expect(await Self.resets(harness, "1001", after: mark).isEmpty)
            #expect(await harness.gateway.joinedSkills("1001") == [])  // the foreign session's own queues
            let status = try await harness.request("GET", "/v1/agents/1001")
            #expect(status.json?["signedIn"] == .bool(false))
            #expect(status.json?["skillsInSync"] == .null)
        }
    }

    /// With `forceLogin: true` a displaced session is taken over and the choice re-applied.
    @Test func aDisplacedSessionTakenOverGetsTheChoiceBack() async throws {
        try await withHarness(inProcess: true, yaml: { Self.yaml($0, $1, sessions: "keepSignedIn: true", forceLogin: true) }) { harness in
            let first = try await harness.resetSkill("1002", #"{"allConfiguredSkills":true,"phoneLinkage":true}"#)
            #expect(first.status == 200)
            let mark = await Self.mark(harness)
            await harness.gateway.displace("1002")
            #expect(await eventually { await harness.gateway.joinedSkills("1002") == [1, 2, 3, 7] })
            #expect(await harness.gateway.entries().filter { $0.operation == "forceLogin" && $0.sequence > mark && $0.retcode == "0" }.count == 1)
            let resets = await Self.resets(harness, "1002", after: mark)
            #expect(resets.count == 1)
            #expect(resets.first?.path.hasSuffix("/resetskill/true") == true)
            #expect(resets.first?.query == "phonelinkage=1")
        }
    }

    /// A caller's reset that arrives while a re-apply is at the gateway waits for it, then
    /// wins: the gateway ends with the caller's choice, never two resetskills at once.
    @Test func aCallersResetRacingAReapplyWins() async throws {
        try await withHarness(inProcess: true, yaml: { Self.yaml($0, $1, sessions: "keepSignedIn: true") }) { harness in
            #expect(try await harness.resetSkill("1001", #"{"skills":[1,2]}"#).status == 200)
            await harness.gateway.addFault(FaultRule(operation: "resetSkill", agentID: "1001", action: .delay(.milliseconds(800))))
            let mark = await Self.mark(harness)
            await harness.gateway.signOutUnpolled("1001")
            #expect(await eventually { await harness.gateway.callsInFlight("resetSkill") == 1 })
            let reply = try await harness.resetSkill("1001", #"{"skills":[3]}"#)
            #expect(reply.status == 200, "\(reply.body)")
            try await Task.sleep(for: .milliseconds(300))
            #expect(await harness.gateway.joinedSkills("1001") == [3])
            let resets = await Self.resets(harness, "1001", after: mark)
            #expect(resets.map(\.query) == ["skillid=1;2", "skillid=3"])
            #expect(await harness.gateway.peakConcurrency("resetSkill") == 1)
            let view = try await harness.request("GET", "/v1/agents/1001/skills")
            #expect(view.json?["desired"]?["skills"] == .array([.integer(3)]))
            #expect(view.json?["inSync"] == .bool(true))
        }
    }

    /// A refused re-apply (000-002) is reported and not retried; one that fails for a
    /// reason that may pass (503, a timeout) is retried until it works.
    @Test func refusedReappliesAreReportedAndTransientOnesRetried() async throws {
        let yaml: @Sendable (String, String) -> String = {
            Self.yaml(
                $0, $1, sessions: "signInAtStartup: true", extra: "skills: {default: [1, 2], reapplyMaxBackoff: 200ms}", requestTimeout: "1s")
        }
        var options = testSimulatorOptions()
        options.faults = [
            FaultRule(operation: "resetSkill", agentID: "1001", action: .retcode("000-002")),
            FaultRule(operation: "resetSkill", agentID: "1002", action: .httpStatus(503), times: 6),
            FaultRule(operation: "resetSkill", agentID: "1003", action: .delay(.milliseconds(1500))),
        ]
        try await withHarness(inProcess: true, simulator: options, yaml: yaml) { harness in
            #expect(await eventually { await harness.gateway.joinedSkills("1002") == [1, 2] })
            let retriedAfterTimeout = await eventually {
                let count = await Self.resets(harness, "1003").count
                let joined = await harness.gateway.joinedSkills("1003")
                return count >= 2 && joined == [1, 2]
            }
            #expect(retriedAfterTimeout)
            #expect(await eventually { await harness.gateway.joinedSkills("1001") != nil })
            try await Task.sleep(for: .seconds(1))
            let refused = await Self.resets(harness, "1001")
            #expect(refused.count == 1)
            #expect(refused.first?.retcode == "000-002")
            #expect(await harness.gateway.joinedSkills("1001") == [])
            let view = try await harness.request("GET", "/v1/agents/1001/skills")
            #expect(view.json?["inSync"] == .bool(false))
            #expect(view.json?["reapply"]?["state"] == "refused")
            let list = try await harness.request("GET", "/v1/agents")
            #expect(list.json?["skillsOutOfSync"] == .integer(1))
            let retried = await Self.resets(harness, "1002")
            #expect(retried.filter { $0.httpStatus == 503 }.count == 6)
            #expect(retried.last?.retcode == "0")
            let inSync = try await harness.request("GET", "/v1/agents/1002/skills")
            #expect(inSync.json?["inSync"] == .bool(true))
            let metrics = try await harness.request("GET", "/metrics")
            #expect(metrics.body.contains(#"ccgw_skill_reapplies_total{result="refused"} 1"#))
            #expect(!metrics.body.contains(#"ccgw_skill_reapplies_total{result="retried"} 0"#))
            #expect(metrics.body.contains("ccgw_agents_skills_out_of_sync 1"))
            // A caller's reset with another choice replaces the refused one.
            #expect(try await harness.resetSkill("1001", #"{"skills":[2]}"#).status == 200)
            #expect(try await harness.request("GET", "/v1/agents/1001/skills").json?["inSync"] == .bool(true))
        }
    }

    /// The skills view: a fresh agent (no session: configured unknown), after a caller's
    /// reset (joined = desired ∩ configured), and with `agentskills` failing.
    @Test func theSkillsViewShowsConfiguredDesiredJoinedAndInSync() async throws {
        try await withHarness(inProcess: true, yaml: { Self.yaml($0, $1, extra: "skills: {configuredCacheTTL: 0s}") }) { harness in
            let fresh = try await harness.request("GET", "/v1/agents/1001/skills")
            #expect(fresh.status == 200)
            #expect(fresh.json?["signedIn"] == .bool(false))
            #expect(fresh.json?["configured"] == .null)
            #expect(fresh.json?["configuredError"]?.stringValue?.contains("not signed in") == true)
            #expect(fresh.json?["desired"] == .null)
            #expect(fresh.json?["inSync"] == .null)
            #expect(await harness.journal("login").isEmpty)  // a read signs nobody in
            #expect(try await harness.resetSkill("1001", #"{"skills":[1,9]}"#).status == 200)
            let after = try await harness.request("GET", "/v1/agents/1001/skills")
            let ids = (after.json?["configured"]).flatMap { value -> [Int64]? in
                guard case .array(let items) = value else { return nil }
                return items.compactMap { if case .integer(let id)? = $0["id"] { id } else { nil } }
            }
            #expect(ids == [1, 2, 3, 7])
            #expect(after.json?["joined"] == .array([.integer(1)]))
            #expect(after.json?["desired"]?["skills"] == .array([.integer(1), .integer(9)]))
            #expect(after.json?["desired"]?["source"] == "caller")
            #expect(after.json?["applied"]?["origin"] == "caller")
            #expect(after.json?["inSync"] == .bool(true))
            await harness.gateway.addFault(FaultRule(operation: "queryAgentSkills", action: .httpStatus(503)))
            let failing = try await harness.request("GET", "/v1/agents/1001/skills")
            #expect(failing.status == 200)
            #expect(failing.json?["configured"] == .null)
            #expect(failing.json?["joined"] == .null)
            #expect(failing.json?["configuredError"]?.stringValue?.contains("queryAgentSkills") == true)
            #expect(failing.json?["inSync"] == .bool(true))
            #expect(failing.json?["desired"]?["skills"] == .array([.integer(1), .integer(9)]))
            #expect(try await harness.request("GET", "/v1/agents/1009/skills").status == 404)
        }
    }
}
