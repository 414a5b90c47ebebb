import Logging
import ShimCore

/// Where a request for an agent goes in a cluster (issue #11, behaviour 2), decided by
/// `AgentOwnership.route` from what the member knows, reading etcd when it must and
/// claiming an agent nobody holds. Runs on the member's actor; `ClusterDispatch` acts on it.
enum ClusterRouting {
    /// Where a request for `agent` goes (issue #11, behaviour 2).
    enum Decision: Sendable, Equatable {
        /// This member holds the agent: talk to the gateway here.
        case serve
        /// Forward once to `member` at `url`.
        case forward(member: String, url: String)
        /// A forwarded request for an agent this member does not hold (421 `not_owner`).
        case notOwner
        /// Nobody reachable can act for the agent now (503 `cluster_unavailable`).
        case unavailable(String)
    }

    /// How long a request waits for etcd before it is answered 503 `cluster_unavailable`:
    /// long enough to ride out an etcd leader election (about a second).
    static let patience = Duration.seconds(3)

    /// Resolves the owner of `agent` and claims it when nobody holds it.
    /// `forwarded`: the request came from another member (never forwarded again, never
    /// claimed). `fresh`: read etcd even when the cached owner looks usable (the owner
    /// said it no longer holds the agent, or could not be reached). When etcd must be
    /// asked and does not answer, asks again for up to `patience`.
    static func route(_ agent: AgentID, forwarded: Bool, fresh: Bool, in cluster: isolated ClusterMember) async -> Decision {
        let until = ContinuousClock.now + Self.patience
        while !cluster.hasJoined {
            guard ContinuousClock.now < until else {
                return .unavailable("this member has not joined the cluster yet: etcd cannot be reached")
            }
            try? await Task.sleep(for: .milliseconds(100))
        }
        var ask = fresh
        while true {
            let decision = await routeOnce(agent, forwarded: forwarded, ask: ask, in: cluster)
            guard case .unavailable = decision, cluster.claiming, ContinuousClock.now < until else { return decision }
            try? await Task.sleep(for: .milliseconds(250))
            ask = true
        }
    }

    private static func routeOnce(_ agent: AgentID, forwarded: Bool, ask: Bool, in cluster: isolated ClusterMember) async -> Decision {
        if ask || cluster.view(of: agent).holder == .unknown || cluster.view(of: agent).holder == .nobody {
            do throws(EtcdError) {
                try await cluster.refresh(agent)
                cluster.reachability(true, nil, call: "range")
            } catch {
                cluster.reachability(false, error, call: "range")
            }
        }
        var current = cluster.view(of: agent)
        switch current.route(forwarded: forwarded, etcdReachable: cluster.etcdReachable && cluster.lease != 0 && cluster.claiming) {
        case .serve:
            return .serve
        case .forward(let member):
            return forwardDecision(agent, member, in: cluster)
        case .notOwner:
            return .notOwner
        case .unavailable:
            if !cluster.claiming { return .unavailable("this member is leaving the cluster; send the request again") }
            return .unavailable("etcd cannot be reached, so no member can take agent \(agent) now")
        case .claim:
            switch await cluster.claim(agent) {
            case .won:
                return .serve
            case .lost:
                current = cluster.view(of: agent)
                if case .member(let member, _) = current.holder { return forwardDecision(agent, member, in: cluster) }
                return .unavailable("agent \(agent) changed hands; send the request again")
            case .error(let message):
                return .unavailable(message)
            }
        }
    }

    private static func forwardDecision(_ agent: AgentID, _ member: String, in cluster: isolated ClusterMember) -> Decision {
        let url = cluster.owner(of: agent)?.record.url ?? cluster.snapshot.members[member]?.url ?? ""
        guard !url.isEmpty, !member.contains("@") else {
            return .unavailable("agent \(agent) is held by a member that is leaving; send the request again")
        }
        return .forward(member: member, url: url)
    }

    /// After `member` could not be reached: waits (re-reading the agent's key) until
    /// another member or nobody holds the agent, or `deadline` passes. A member that is
    /// leaving revokes its lease within moments; a dead one's lease runs out.
    static func waitForOwnerChange(
        _ agent: AgentID, from member: String, until deadline: ContinuousClock.Instant, in cluster: isolated ClusterMember
    ) async -> Bool {
        while ContinuousClock.now < deadline {
            do throws(EtcdError) {
                try await cluster.refresh(agent)
                cluster.reachability(true, nil, call: "range")
            } catch {
                cluster.reachability(false, error, call: "range")
            }
            if case .member(let holder, _) = cluster.view(of: agent).holder, holder == member {
                try? await Task.sleep(for: .milliseconds(100))
                continue
            }
            return true
        }
        return false
    }
}
