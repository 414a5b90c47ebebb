/// What one cluster member knows of each agent's owner: its view of the agent's key
/// (`AgentOwnership`), the owner's record, and the etcd revision each was learned at, plus
/// the last read of the whole cluster. Pure; `ClusterMember` feeds it what etcd said.
///
/// Revisions keep reads in order: a read of the whole prefix that started before one of
/// our claims (or before a newer read of one key) must not undo what was learned later.
public struct OwnershipBook: Sendable {
    public let memberID: String
    /// Every configured agent, in order.
    public private(set) var agents: [AgentID]
    /// The last read of the whole cluster.
    public private(set) var snapshot = ClusterSnapshot()
    private var views: [AgentID: AgentOwnership] = [:]
    private var owners: [AgentID: ClusterSnapshot.Owner] = [:]
    private var learnedAt: [AgentID: Int64] = [:]
    /// The last member seen holding each agent (kept after its key is gone: `ccgw.owner.changed`'s `from`).
    private var lastHolders: [AgentID: String] = [:]

    public init(memberID: String, agents: [AgentID]) {
        self.memberID = memberID
        self.agents = agents
    }

    /// This member's view of `agent`'s key.
    public func view(of agent: AgentID) -> AgentOwnership { views[agent] ?? AgentOwnership(memberID: memberID) }

    /// The owner key of `agent` as last learned.
    public func owner(of agent: AgentID) -> ClusterSnapshot.Owner? { owners[agent] }

    /// The last member seen holding `agent`, even if its key is gone now.
    public func lastHolder(of agent: AgentID) -> String? { lastHolders[agent] }

    /// How many agents this member holds now.
    public var ownedCount: Int { agents.filter { view(of: $0).guardEpoch != nil }.count }

    /// Records what we know of `agent`, learned at etcd's `revision` (nil: no newer than before).
    public mutating func set(_ view: AgentOwnership, owner: ClusterSnapshot.Owner?, for agent: AgentID, revision: Int64? = nil) {
        views[agent] = view
        owners[agent] = owner
        if let owner { lastHolders[agent] = owner.record.member }
        if let revision { learnedAt[agent] = max(learnedAt[agent] ?? 0, revision) }
    }

    /// Whether a read at `revision` is older than what we know of `agent`.
    public func knowsNewer(_ agent: AgentID, than revision: Int64) -> Bool { (learnedAt[agent] ?? 0) > revision }

    /// What etcd showed of `agent`'s key at `revision`, while this member holds `lease`. A key
    /// of ours on another lease is an earlier incarnation's: not ours.
    public mutating func observe(_ agent: AgentID, owner: ClusterSnapshot.Owner?, revision: Int64, lease: Int64) {
        var view = view(of: agent)
        if let owner, owner.record.member == memberID, owner.lease != lease {
            view.observed((member: "\(memberID)@\(owner.lease)", epoch: owner.epoch))
        } else {
            view.observed(owner.map { ($0.record.member, $0.epoch) })
        }
        set(view, owner: owner, for: agent, revision: revision)
    }

    /// A read of the whole cluster at `revision`: every agent learned since keeps what we know.
    public mutating func read(_ fresh: ClusterSnapshot, revision: Int64, lease: Int64) {
        var fresh = fresh
        for agent in agents {
            if knowsNewer(agent, than: revision) {
                fresh.owners[agent] = owners[agent]
                continue
            }
            observe(agent, owner: fresh.owners[agent], revision: revision, lease: lease)
        }
        snapshot = fresh
    }

    /// A reload changed the agents: returns those that left with the epoch we held them
    /// at (their keys are to be released), and forgets them.
    public mutating func setAgents(_ agents: [AgentID]) -> [(agent: AgentID, epoch: Int64)] {
        let kept = Set(agents)
        var released: [(agent: AgentID, epoch: Int64)] = []
        for agent in self.agents where !kept.contains(agent) {
            if let epoch = views[agent]?.guardEpoch { released.append((agent, epoch)) }
            views[agent] = nil
            owners[agent] = nil
        }
        self.agents = agents
        return released
    }
}
