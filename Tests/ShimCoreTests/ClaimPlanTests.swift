import ShimCore
import Testing

/// Who claims, re-claims and drops what after reading the cluster (issue #11), and the
/// rendezvous hash that spreads unowned agents over the live members.
struct ClaimPlanTests {
    static let keys = ClusterKeys(prefix: "/ccgw-shim")
    static let a1 = AgentID("1001")!
    static let a2 = AgentID("1002")!

    static func snapshot(members: [String: Int64], owners: [AgentID: (String, Int64)], sessions: [AgentID] = []) -> ClusterSnapshot {
        var values: [EtcdKeyValue] = []
        var revision: Int64 = 10
        for (member, lease) in members {
            values.append(
                .init(
                    key: keys.member(member), value: Array(ClusterRecord(member: member, url: "http://\(member)", since: "t").encoded.utf8),
                    createRevision: 1, modRevision: 1, lease: lease))
        }
        for (agent, owner) in owners {
            revision += 1
            values.append(
                .init(
                    key: keys.agent(agent), value: Array(ClusterRecord(member: owner.0, url: "http://\(owner.0)", since: "t").encoded.utf8),
                    createRevision: revision, modRevision: revision, lease: owner.1))
        }
        for agent in sessions {
            values.append(
                .init(
                    key: keys.session(agent), value: Array(ClusterRecord(member: "x", url: "", since: "t").encoded.utf8), createRevision: 2,
                    modRevision: 2, lease: 0))
        }
        values.append(.init(key: "/ccgw-shim/other", value: [], createRevision: 3, modRevision: 3, lease: 0))
        return ClusterSnapshot(keys: keys, values: values)
    }

    @Test func theSnapshotReadsMembersOwnersAndSessions() {
        let snapshot = Self.snapshot(members: ["a": 1, "b": 2], owners: [Self.a1: ("b", 2)], sessions: [Self.a1, Self.a2])
        #expect(Set(snapshot.members.keys) == ["a", "b"])
        #expect(snapshot.owners[Self.a1]?.record.member == "b")
        #expect(snapshot.owners[Self.a1]?.lease == 2)
        #expect(Set(snapshot.sessions.keys) == [Self.a1, Self.a2])
        #expect(snapshot.ownedCounts == ["a": 0, "b": 1])
    }

    @Test func heldAgentsStayOrGo() {
        // Held here and ours: nothing; someone else's: drop; another lease of ours: drop; nobody's: reclaim.
        let cases: [((String, Int64)?, [AgentID], [AgentID])] = [
            (("a", 1), [], []),
            (("b", 2), [Self.a1], []),
            (("a", 9), [Self.a1], []),
            (nil, [], [Self.a1]),
        ]
        for (owner, drop, reclaim) in cases {
            let snapshot = Self.snapshot(members: ["a": 1, "b": 2], owners: owner.map { [Self.a1: $0] } ?? [:])
            let plan = ClaimPlan.plan(me: "a", lease: 1, agents: [Self.a1], active: [Self.a1], snapshot: snapshot, signInAtStartup: false)
            #expect(plan.drop == drop, "\(String(describing: owner))")
            #expect(plan.reclaim == reclaim, "\(String(describing: owner))")
            #expect(plan.claim.isEmpty)
        }
    }

    @Test func onlyThePreferredMemberClaimsAnAgentWhoseSessionTheClusterHolds() {
        let snapshot = Self.snapshot(members: ["a": 1, "b": 2, "c": 3], owners: [:], sessions: [Self.a1])
        let preferred = Rendezvous.preferred(Self.a1, among: ["a", "b", "c"])!
        for member in ["a", "b", "c"] {
            let plan = ClaimPlan.plan(me: member, lease: 1, agents: [Self.a1, Self.a2], active: [], snapshot: snapshot, signInAtStartup: false)
            // a2 has no session anywhere: it waits for its first request.
            #expect(plan.claim == (member == preferred ? [Self.a1] : []), "\(member)")
        }
        let startup = ClaimPlan.plan(me: preferred, lease: 1, agents: [Self.a1], active: [], snapshot: snapshot, signInAtStartup: true)
        #expect(startup.claim == [Self.a1])
        // Ours by key, no session here, the cluster holds one: sign it in again (a failed take-back).
        let ours = Self.snapshot(members: ["a": 1, "b": 2], owners: [Self.a1: ("a", 1), Self.a2: ("a", 1)], sessions: [Self.a1])
        let retry = ClaimPlan.plan(me: "a", lease: 1, agents: [Self.a1, Self.a2], active: [], snapshot: ours, signInAtStartup: true)
        #expect(retry.signIn == [Self.a1])
        #expect(retry.claim.isEmpty)
        // An owned agent is never claimed.
        let owned = Self.snapshot(members: ["a": 1, "b": 2, "c": 3], owners: [Self.a1: ("c", 3)], sessions: [Self.a1])
        #expect(ClaimPlan.plan(me: preferred, lease: 1, agents: [Self.a1], active: [], snapshot: owned, signInAtStartup: true).claim.isEmpty)
    }

    @Test func rendezvousSpreadsAndMovesOnlyTheLeaversAgents() {
        let agents = (1001...4000).map { AgentID(String($0))! }
        let three = ["shim-a", "shim-b", "shim-c"]
        var counts: [String: Int] = [:]
        var before: [AgentID: String] = [:]
        for agent in agents {
            let member = Rendezvous.preferred(agent, among: three)!
            before[agent] = member
            counts[member, default: 0] += 1
        }
        // Each member gets a fair share (3,000 agents: expected 1,000 each).
        #expect(counts.values.allSatisfy { $0 > 850 && $0 < 1150 }, "\(counts)")
        // shim-b leaves: only its agents change preference.
        for agent in agents {
            let after = Rendezvous.preferred(agent, among: ["shim-a", "shim-c"])!
            if before[agent] != "shim-b" { #expect(after == before[agent]) }
        }
        // The same in every process: a fixed weight.
        #expect(Rendezvous.weight(Self.a1, "shim-a") == Rendezvous.weight(AgentID("1001")!, "shim-a"))
        #expect(Rendezvous.preferred(Self.a1, among: [String]()) == nil)
    }

    @Test func keysNameTheirKinds() {
        #expect(Self.keys.kind(of: "/ccgw-shim/members/shim-a") == .member("shim-a"))
        #expect(Self.keys.kind(of: "/ccgw-shim/agents/1001") == .agent(Self.a1))
        #expect(Self.keys.kind(of: "/ccgw-shim/sessions/1001") == .session(Self.a1))
        #expect(Self.keys.kind(of: "/ccgw-shim/agents/abc") == nil)
        #expect(Self.keys.kind(of: "/ccgw-shim/members/") == nil)
        #expect(Self.keys.kind(of: "/other/agents/1001") == nil)
        #expect(ClusterRecord(bytes: Array("not json".utf8)) == nil)
        let record = ClusterRecord(member: "a", url: "http://h:1", since: "2026-12-02T00:00:00Z")
        #expect(ClusterRecord(bytes: Array(record.encoded.utf8)) == record)
    }
}
