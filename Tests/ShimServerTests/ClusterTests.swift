import Foundation
import GatewaySimulator
import ShimCore
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// A cluster of shims (issue #11): three real `ccgw-shim` processes, a real 3-member
/// etcd and the HTTPS simulator, with a 2-second lease and a 10-second unpolled
/// sign-out so each case takes seconds. Counts are asserted at the simulator.
@Suite(.serialized, .timeLimit(.minutes(3))) struct ClusterTests {
    static let members = ["shim-a", "shim-b", "shim-c"]

    /// Signs every agent in, agent i through member i mod 3 (which claims it); each agent's owner.
    static func signInAll(_ rig: ClusterRig) async throws -> [String: String] {
        var owners: [String: String] = [:]
        for (index, agent) in rig.agents.enumerated() {
            let reply = try await rig.resetSkill(agent.id, via: members[index % members.count])
            #expect(reply.status == 200, "\(agent.id): \(reply.body)")
            owners[agent.id] = reply.owner
        }
        return owners
    }

    @Test func steadyStateSpreadsAgentsAndForwardsOnce() async throws {
        try await withClusterRig(agents: 30) { rig in
            for member in Self.members { try await rig.start(member) }
            let owners = try await Self.signInAll(rig)
            #expect(Set(owners.values) == Set(Self.members), "\(owners)")
            #expect(try await rig.owners() == owners)
            var responses: [String] = []
            for agent in rig.agents {
                let owner = try #require(owners[agent.id])
                let direct = try await rig.resetSkill(agent.id, via: owner, requestID: "direct-\(agent.id)")
                for member in Self.members where member != owner {
                    let id = "direct-\(agent.id)"
                    let forwarded = try await rig.resetSkill(agent.id, via: member, requestID: id)
                    #expect(forwarded.status == direct.status, "\(agent.id) via \(member): \(forwarded.body)")
                    #expect(forwarded.body == direct.body)
                    #expect(forwarded.owner == owner)
                    #expect(forwarded.requestID == id)
                    responses.append(forwarded.body)
                }
            }
            // The gateway's own path is forwarded the same way, its answer unchanged.
            let compat = "/agentgateway/resource/onlineagent/4001/resetskill/false?skillid=1;2&phonelinkage=0"
            let owner1 = try #require(owners["4001"])
            let directCompat = try await rig.request(owner1, "POST", compat, requestID: "compat-1")
            let other = try #require(Self.members.first { $0 != owner1 })
            let forwardedCompat = try await rig.request(other, "POST", compat, requestID: "compat-1")
            #expect(directCompat.status == 200)
            #expect(forwardedCompat.status == directCompat.status)
            #expect(forwardedCompat.body == directCompat.body)
            #expect(forwardedCompat.owner == owner1)
            // A request that claims to come from a member needs the peer token.
            let forged = try await rig.request(
                owner1, "POST", "/v1/agents/4001/reset-skill", body: #"{"skills":[1]}"#,
                headers: [("X-Ccgw-Forwarded-From", other), ("Authorization", "Bearer not-the-peer-token")])
            #expect(forged.status == 401)
            #expect(forged.errorCode == "unauthorized")
            for agent in rig.agents {
                #expect(await rig.calls("login").filter { $0.agentID == agent.id }.count == 1, "\(agent.id)")
                #expect(await rig.calls("forceLogin").filter { $0.agentID == agent.id }.isEmpty, "\(agent.id)")
            }
            // Each member's line for a forwarded call names the other member.
            let forwardedTo = rig.logLines().filter { $0.contains("\"forwarded.to\"") }
            let forwardedFrom = rig.logLines().filter { $0.contains("\"forwarded.from\"") }
            #expect(forwardedTo.count == 61)  // 60 on the v1 route, 1 on the gateway's path
            #expect(forwardedFrom.count == 61)
            let status = try await rig.request("shim-a", "GET", "/v1/agents/4002")
            #expect(status.json?["owner"]?.stringValue == owners["4002"])
            #expect(status.json?["signedIn"] == .bool(true))
            #expect(status.json?["ownerSince"]?.stringValue?.isEmpty == false)
            let cluster = try await rig.request("shim-b", "GET", "/v1/cluster")
            #expect(cluster.json?["members"].map { if case .array(let list) = $0 { list.count } else { 0 } } == 3)
            #expect(cluster.json?["etcd"]?["reachable"] == .bool(true))
            // The cluster's families the alert rules and the dashboard name are on a member's scrape.
            let exported = AlertRulesTests.exportedFamilies(try await rig.request("shim-a", "GET", "/metrics").body)
            for series in try AlertRulesTests.namedFamilies() where series.hasPrefix("ccgw_cluster_") {
                #expect(exported.contains(series), "\(series) is not in a member's /metrics")
            }
            #expect(await rig.linesWithSecrets(rig.logLines()).isEmpty)
            #expect(await rig.linesWithSecrets(responses).isEmpty)
            #expect(await rig.linesWithSecrets(try await rig.etcdValues()).isEmpty)
        }
    }

    /// With `signInAtStartup`, each agent is claimed by the member it prefers and signed in
    /// once, without a request, spread over the members started together.
    @Test func signInAtStartupSignsEachAgentInOnceSpreadOverTheMembers() async throws {
        try await withClusterRig(agents: 15) { rig in
            for member in Self.members {
                let yaml = rig.yaml(member, port: try rig.port(of: member)).replacingOccurrences(
                    of: "signInAtStartup: false", with: "signInAtStartup: true")
                try await rig.start(member, yaml: yaml)
            }
            try await rig.waitForOwners { $0.count == 15 }
            for _ in 0..<100 where await rig.calls("login").filter({ $0.retcode == "0" }).count < 15 {
                try await Task.sleep(for: .milliseconds(100))
            }
            let owners = try await rig.owners()
            #expect(Set(owners.values).count >= 2, "\(owners)")
            for agent in rig.agents {
                #expect(await rig.calls("login").filter { $0.agentID == agent.id && $0.retcode == "0" }.count == 1, "\(agent.id)")
                #expect(await rig.gateway.isSignedIn(agent.id))
            }
            #expect(await rig.calls("forceLogin").isEmpty)
        }
    }

    /// The member a caller reaches checks its token and scope; the owner's line names the caller.
    @Test func callersAreCheckedWhereTheyArriveAndNamedWhereTheCallIsMade() async throws {
        try await withClusterRig(agents: 4) { rig in
            let tokenFile = rig.directory + "/crm-token"
            try Data("crm-token-Secret\n".utf8).write(to: URL(fileURLWithPath: tokenFile))
            chmod(tokenFile, 0o600)
            let clients = """
                clients:
                  - {name: crm, tokenFile: \(tokenFile), agents: ["4001-4002"]}
                """
            for member in Self.members {
                try await rig.start(member, yaml: rig.yaml(member, port: try rig.port(of: member), extra: clients))
            }
            let auth = [("Authorization", "Bearer crm-token-Secret")]
            let body = #"{"skills":[1]}"#
            let first = try await rig.request("shim-a", "POST", "/v1/agents/4001/reset-skill", body: body, headers: auth)
            #expect(first.status == 200, "\(first.body)")
            let owner = try #require(first.owner)
            let other = try #require(Self.members.first { $0 != owner })
            let forwarded = try await rig.request(other, "POST", "/v1/agents/4001/reset-skill", body: body, requestID: "crm-1", headers: auth)
            #expect(forwarded.status == 200)
            #expect(forwarded.owner == owner)
            let ownerLine = try #require(
                rig.logLines(owner).first { $0.contains("\"request.id\":\"crm-1\"") && $0.contains("\"msg\":\"resetSkill\"") })
            #expect(ownerLine.contains("\"client\":\"crm\""))
            #expect(ownerLine.contains("\"forwarded.from\":\"\(other)\""))
            // No token, or an agent outside the scope: refused where the caller arrived, nothing forwarded.
            let mark = await rig.mark()
            let anonymous = try await rig.request(other, "POST", "/v1/agents/4001/reset-skill", body: body)
            #expect(anonymous.status == 401)
            let outside = try await rig.request(other, "POST", "/v1/agents/4003/reset-skill", body: body, headers: auth)
            #expect(outside.status == 403)
            #expect(outside.errorCode == "agent_not_allowed")
            #expect(await rig.calls("login", after: mark).isEmpty)
            #expect(!rig.logLines().contains { $0.contains("\"forwarded.from\"") && $0.contains("4003") })
        }
    }

    @Test func killedOwnersAgentsMoveWithOneForceLoginEach() async throws {
        try await withClusterRig(agents: 12) { rig in
            for member in Self.members { try await rig.start(member) }
            let owners = try await Self.signInAll(rig)
            let counts = Dictionary(grouping: owners.keys, by: { owners[$0]! })
            let victim = try #require(counts.max { $0.value.count < $1.value.count }?.key)
            let moved = Set(counts[victim] ?? [])
            let survivors = Self.members.filter { $0 != victim }
            let mark = await rig.mark()
            rig.kill9(victim)
            let killed = ContinuousClock.now
            var pending = Set(rig.agents.map(\.id))
            var round = 0
            while !pending.isEmpty, ContinuousClock.now - killed < .seconds(60) {
                for agent in pending.sorted() {
                    let reply = try await rig.resetSkill(agent, via: survivors[round % survivors.count])
                    if reply.status == 200 {
                        #expect(reply.owner != victim)
                        pending.remove(agent)
                    }
                }
                round += 1
                if !pending.isEmpty { try await Task.sleep(for: .milliseconds(200)) }
            }
            let elapsed = ContinuousClock.now - killed
            #expect(pending.isEmpty, "still failing after \(elapsed): \(pending.sorted())")
            print("cluster failover: every agent answered 200 \(elapsed) after kill -9 (lease \(rig.leaseTTL) s)")
            for agent in rig.agents {
                let forced = await rig.calls("forceLogin", after: mark).filter { $0.agentID == agent.id && $0.retcode == "0" }.count
                #expect(forced == (moved.contains(agent.id) ? 1 : 0), "\(agent.id): \(forced) forcelogins")
                #expect(await rig.calls("login", after: mark).filter { $0.agentID == agent.id && $0.retcode == "0" }.isEmpty)
            }
            #expect(await rig.gateway.signOutCount("unpolled") == 0)
            let after = try await rig.owners()
            #expect(Set(after.values).isSubset(of: Set(survivors)), "\(after)")
        }
    }

    @Test func aSecondProcessWithAMemberIdInUseRefusesToStart() async throws {
        try await withClusterRig(agents: 2) { rig in
            try await rig.start("shim-a")
            let (process, log) = try rig.launch("dup", yaml: rig.yaml("shim-a", port: try rig.port(of: "dup")))
            process.waitUntilExit()
            #expect(process.terminationStatus != 0)
            let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
            #expect(text.contains("cluster.memberId shim-a is already used by a live member"), "\(text)")
            // The first member goes on serving.
            #expect(try await rig.resetSkill("4001", via: "shim-a").status == 200)
        }
    }

    @Test func sigtermHandsAgentsOverAndTheLastMemberSignsOut() async throws {
        try await withClusterRig(agents: 12) { rig in
            for member in Self.members {
                try await rig.start(member, yaml: rig.yaml(member, port: try rig.port(of: member), signOutOnShutdown: true))
            }
            let owners = try await Self.signInAll(rig)
            let leaving = "shim-a"
            let moved = Set(owners.filter { $0.value == leaving }.keys)
            #expect(!moved.isEmpty)
            let mark = await rig.mark()
            // Requests keep coming through the members that stay while shim-a leaves.
            let load = Task {
                var failures: [String] = []
                var sent = 0
                while !Task.isCancelled {
                    for (index, agent) in rig.agents.enumerated() where !Task.isCancelled {
                        guard let reply = try? await rig.resetSkill(agent.id, via: index % 2 == 0 ? "shim-b" : "shim-c") else {
                            if !Task.isCancelled { failures.append("\(agent.id): no answer") }
                            continue
                        }
                        sent += 1
                        if reply.status != 200 { failures.append("\(agent.id): \(reply.status) \(reply.body)") }
                    }
                }
                return (sent, failures)
            }
            try await Task.sleep(for: .milliseconds(300))
            let exit = rig.terminate(leaving)
            #expect(
                exit == 0,
                "\(rig.logLines(leaving).filter { $0.contains("Fatal") || $0.contains("rror") || $0.contains("at /work") }.prefix(30).joined(separator: "\n"))"
            )
            for _ in 0..<100 {
                if try await rig.owners().count == 12, !(try await rig.owners().values.contains(leaving)) { break }
                try await Task.sleep(for: .milliseconds(100))
            }
            try await Task.sleep(for: .milliseconds(500))
            load.cancel()
            let (sent, failures) = await load.value
            #expect(sent > 12)
            #expect(failures.isEmpty, "\(failures)")
            #expect(await rig.calls("logout", after: mark).isEmpty)
            for agent in moved {
                #expect(await rig.calls("forceLogin", after: mark).filter { $0.agentID == agent && $0.retcode == "0" }.count == 1, "\(agent)")
            }
            #expect(rig.logLines(leaving).contains { $0.contains("cluster: left") })
            // shim-b leaves too; shim-c, the last member, signs every agent out.
            #expect(rig.terminate("shim-b") == 0)
            for _ in 0..<100 {
                let now = try await rig.owners()
                if now.count == 12, now.values.allSatisfy({ $0 == "shim-c" }) { break }
                try await Task.sleep(for: .milliseconds(100))
            }
            #expect(try await rig.owners().values.allSatisfy { $0 == "shim-c" })
            #expect(await rig.calls("logout", after: mark).isEmpty)
            #expect(rig.terminate("shim-c") == 0)
            #expect(Set(await rig.calls("logout", after: mark).compactMap(\.agentID)) == Set(rig.agents.map(\.id)))
            #expect(await rig.gateway.signOutCount("unpolled") == 0)
        }
    }
}
