import Foundation
import GatewaySimulator
import ShimCore
import Testing

/// Skills that stick in a cluster: a member that takes an agent over knows the caller's
/// last choice from etcd and re-applies it; the bulk route sends each row to its owner.
extension ClusterTests {
    /// Reset 30 agents to [1,2], kill -9 the busiest owner: every moved agent is back in
    /// [1,2] at the gateway without any caller's request, with exactly one forcelogin and
    /// one re-apply each, none for the others; the skills view says so.
    @Test func movedAgentsGetTheirSkillsBackWithoutARequest() async throws {
        try await withClusterRig(agents: 30) { rig in
            for member in Self.members { try await rig.start(member) }
            var owners: [String: String] = [:]
            for (index, agent) in rig.agents.enumerated() {
                let reply = try await rig.request(
                    Self.members[index % 3], "POST", "/v1/agents/\(agent.id)/reset-skill", body: #"{"skills":[1,2]}"#)
                #expect(reply.status == 200, "\(agent.id): \(reply.body)")
                owners[agent.id] = reply.owner
            }
            // The choice is in etcd, beside the session record, without a secret.
            let skills = try await rig.range("/ccgw-shim/skills/")
            #expect(EtcdJSON.keys(skills).count == 30)
            for kv in EtcdJSON.keys(skills) {
                let desired = try #require(DesiredSkills(json: try JSONParser.parse(kv.value)))
                #expect(desired.choice == SkillChoice(selection: .skills([1, 2])))
                #expect(desired.source == .caller)
            }
            #expect(await rig.linesWithSecrets(try await rig.etcdValues()).isEmpty)
            // The same choice again: etcd's record says when and by which request, the last
            // successful reset's (written with the owner's next read of the cluster).
            let first = try #require(rig.agents.first).id
            let again = try await rig.request(
                "shim-a", "POST", "/v1/agents/\(first)/reset-skill", body: #"{"skills":[1,2]}"#, requestID: "repeat-1")
            #expect(again.status == 200, "\(again.body)")
            let refreshed = await eventually(.seconds(15)) {
                let range = try? await rig.range("/ccgw-shim/skills/\(first)")
                let value = range.flatMap { EtcdJSON.keys($0).first }.flatMap { try? JSONParser.parse($0.value) }
                return value.flatMap(DesiredSkills.init(json:))?.requestID == "repeat-1"
            }
            #expect(refreshed, "etcd kept the first reset's request id")
            let counts = Dictionary(grouping: owners.keys, by: { owners[$0]! })
            let victim = try #require(counts.max { $0.value.count < $1.value.count }?.key)
            let moved = Set(counts[victim] ?? [])
            let mark = await rig.mark()
            rig.kill9(victim)
            // No request: wait at the gateway.
            var back = false
            for _ in 0..<600 {
                var all = true
                for agent in moved {
                    let joined = await rig.gateway.joinedSkills(agent)
                    if joined != [1, 2] { all = false }
                }
                if all, await rig.calls("forceLogin", after: mark).filter({ $0.retcode == "0" }).count >= moved.count {
                    back = true
                    break
                }
                try await Task.sleep(for: .milliseconds(100))
            }
            #expect(back, "moved agents not back in [1,2]: \(moved.sorted())")
            try await Task.sleep(for: .milliseconds(500))
            for agent in rig.agents.map(\.id) {
                let forced = await rig.calls("forceLogin", after: mark).filter { $0.agentID == agent && $0.retcode == "0" }.count
                let resets = await rig.calls("resetSkill", after: mark).filter { $0.agentID == agent }
                #expect(forced == (moved.contains(agent) ? 1 : 0), "\(agent): \(forced) forcelogins")
                #expect(resets.count == (moved.contains(agent) ? 1 : 0), "\(agent): \(resets.count) resetskills")
                if moved.contains(agent) { #expect(resets.first?.query == "skillid=1;2") }
            }
            let reapplied = rig.logLines().filter { $0.contains("\"msg\":\"resetSkill\"") && $0.contains("\"reset.origin\":\"reapply\"") }
            #expect(reapplied.count == moved.count)
            #expect(reapplied.allSatisfy { $0.contains("\"session.origin\":\"takenBack\"") })
            let survivor = try #require(Self.members.first { $0 != victim })
            let agent = try #require(moved.sorted().first)
            let view = try await settled {
                try await rig.request(survivor, "GET", "/v1/agents/\(agent)/skills")
            } until: {
                $0.json?["inSync"] == .bool(true)
            }
            #expect(view.status == 200, "\(view.body)")
            #expect(view.json?["inSync"] == .bool(true))
            #expect(view.json?["applied"]?["origin"] == "reapply")
            #expect(view.json?["desired"]?["skills"] == .array([.integer(1), .integer(2)]))
            #expect(view.json?["joined"] == .array([.integer(1), .integer(2)]))
            #expect(view.json?["owner"]?.stringValue != victim)
            let list = try await rig.request(survivor, "GET", "/v1/agents")
            #expect(list.json?["skillsOutOfSync"] == .integer(0))
            #expect(await rig.linesWithSecrets(rig.logLines()).isEmpty)
        }
    }

    /// The bulk route in a cluster: each row is served by its agent's owner, under the
    /// bulk's request id, and the answer names the owner of each row.
    @Test func bulkRowsAreServedByTheirOwners() async throws {
        try await withClusterRig(agents: 30) { rig in
            for member in Self.members { try await rig.start(member) }
            let owners = try await Self.signInAll(rig)
            #expect(Set(owners.values).count == 3)
            let entries = rig.agents.map { #"{"agentId":"\#($0.id)","skills":[2,3]}"# }
            let reply = try await rig.request(
                "shim-a", "POST", "/v1/reset-skill", body: #"{"agents":["# + entries.joined(separator: ",") + "]}", requestID: "bulk-cluster-1",
                timeout: .seconds(60))
            #expect(reply.status == 200, "\(reply.body.prefix(400))")
            guard case .array(let rows)? = reply.json?["results"] else {
                Issue.record("no results: \(reply.body.prefix(400))")
                return
            }
            #expect(rows.count == 30)
            for row in rows {
                let agent = try #require(row["agentId"]?.stringValue)
                #expect(row["status"] == .integer(200), "\(agent): \(row)")
                #expect(row["owner"]?.stringValue == owners[agent], "\(agent)")
                #expect(await rig.gateway.joinedSkills(agent) == [2, 3])
            }
            for agent in rig.agents.map(\.id) {
                let owner = try #require(owners[agent])
                let line = rig.logLines(owner).first {
                    $0.contains("\"msg\":\"resetSkill\"") && $0.contains("\"request.id\":\"bulk-cluster-1\"")
                        && $0.contains("\"agent.id\":\"\(agent)\"")
                        && !$0.contains("\"forwarded.to\"")
                }
                #expect(line != nil, "no line of \(owner) for \(agent)")
                if owner != "shim-a" { #expect(line?.contains("\"forwarded.from\":\"shim-a\"") == true) }
            }
        }
    }
}
