/// What one member does after reading the cluster (issue #11, behaviours 1, 3, 4;
/// cluster/NOTES.md §5.4, §5.7): which agents it stops acting for, which keys it
/// creates again, and which unowned agents it claims.
public struct ClaimPlan: Sendable, Equatable {
    /// Held here, but the key is another member's (or another lease's): stop polling,
    /// no logout, no sign-in. The new owner has taken the session or will.
    public var drop: [AgentID] = []
    /// Held here and nobody's key: our lease ended while we kept polling (a pause, a
    /// partition). Create the key again; if another member wins, drop the agent.
    public var reclaim: [AgentID] = []
    /// Nobody holds the key, the cluster holds a session for the agent (its owner left
    /// or died) or every agent is to be signed in at start, and this member is the one
    /// the agent prefers among the live members: claim it, then sign it in.
    public var claim: [AgentID] = []
    /// Held here by key, with no session here although the cluster holds one for the
    /// agent: the take-back after a claim failed for a reason that may pass (the gateway
    /// was down). Sign it in again, or the gateway signs the old session out.
    public var signIn: [AgentID] = []

    public init(drop: [AgentID] = [], reclaim: [AgentID] = [], claim: [AgentID] = [], signIn: [AgentID] = []) {
        self.drop = drop
        self.reclaim = reclaim
        self.claim = claim
        self.signIn = signIn
    }

    /// The plan of member `me` on lease `lease` for the configured `agents`, of which
    /// `active` have a session here.
    public static func plan(
        me: String, lease: Int64, agents: [AgentID], active: Set<AgentID>, snapshot: ClusterSnapshot, signInAtStartup: Bool
    ) -> ClaimPlan {
        var plan = ClaimPlan()
        let live = snapshot.members.keys
        for agent in agents {
            let owner = snapshot.owners[agent]
            if active.contains(agent) {
                if let owner {
                    if owner.record.member != me || owner.lease != lease { plan.drop.append(agent) }
                } else {
                    plan.reclaim.append(agent)
                }
                continue
            }
            if let owner, owner.record.member == me, owner.lease == lease {
                if snapshot.sessions[agent] != nil { plan.signIn.append(agent) }
                continue
            }
            guard owner == nil, snapshot.sessions[agent] != nil || signInAtStartup else { continue }
            if Rendezvous.preferred(agent, among: live) == me { plan.claim.append(agent) }
        }
        return plan
    }
}
