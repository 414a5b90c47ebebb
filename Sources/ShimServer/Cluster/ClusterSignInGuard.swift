import Logging
import ShimCore

/// The sign-in guard of a cluster member (issue #11, behaviour 4): what an agent's
/// session asks before every sign-in and tells afterwards, answered from etcd on the
/// member's actor. Nothing goes out unless the agent's key is this member's.
struct ClusterSignInGuard: SignInGuard {
    let member: ClusterMember

    nonisolated(nonsending) func permitSignIn(_ agent: AgentID) async throws(SessionFailure) -> SignInPermit {
        try await Self.permit(agent, in: member)
    }

    nonisolated(nonsending) func desiredChanged(_ agent: AgentID, _ desired: DesiredSkills, changed: Bool) async {
        await Self.desiredChanged(agent, desired, changed: changed, in: member)
    }

    nonisolated(nonsending) func signInFailed(_ agent: AgentID, existed: Bool) async { await Self.signInFailed(agent, existed: existed, in: member) }

    nonisolated(nonsending) func sessionEnded(_ agent: AgentID) async { await Self.sessionEnded(agent, in: member) }

    nonisolated(nonsending) func signedOut(_ agent: AgentID) async { await Self.signedOut(agent, in: member) }

    /// The guard before a sign-in or forcelogin (issue #11, behaviour 4): one transaction
    /// that succeeds only while the agent's key is ours with our epoch and lease, and
    /// then reads and writes the agent's session key. Returns whether the cluster held a
    /// session for the agent before (so a 100-002 is the cluster's own); the write
    /// covers a crash between the sign-in and its answer. Throws `.notOwner` when the
    /// key is not ours, `.clusterUnavailable` when etcd cannot be asked: either way no
    /// sign-in goes out. The same transaction reads the agent's desired skills, so a
    /// member that takes the agent over re-applies the choice made through the last owner.
    private static func permit(_ agent: AgentID, in cluster: isolated ClusterMember) async throws(SessionFailure) -> SignInPermit {
        guard cluster.claiming else { throw SessionFailure(.closed, "the shim is shutting down") }
        var current = cluster.view(of: agent)
        guard let epoch = current.guardEpoch, cluster.lease != 0 else {
            throw SessionFailure(.notOwner, "this member does not hold agent \(agent)")
        }
        let operations = [
            EtcdJSON.rangeOperation(cluster.keys.session(agent)), EtcdJSON.rangeOperation(cluster.keys.skills(agent)),
            EtcdJSON.put(cluster.keys.session(agent), cluster.ownRecord().encoded),
        ]
        let held: Bool
        let existed: Bool
        var desired: DesiredSkills?
        do throws(EtcdError) {
            let answer = try await cluster.etcd.call(
                "/v3/kv/txn", EtcdJSON.guarded(key: cluster.keys.agent(agent), epoch: epoch, lease: cluster.lease, success: operations))
            cluster.reachability(true, nil, call: "guard")
            held = EtcdJSON.succeeded(answer)
            let ranges = EtcdJSON.ranges(answer)
            existed = !(ranges.first ?? []).isEmpty
            if ranges.count > 1, let value = ranges[1].first, let json = try? JSONParser.parse(value.value) {
                desired = DesiredSkills(json: json)
            }
        } catch {
            cluster.reachability(false, error, call: "guard")
            _ = current.mayProceed(after: .unreachable)
            throw SessionFailure(.clusterUnavailable, "etcd cannot confirm that this member holds agent \(agent), so it is not signed in now")
        }
        guard current.mayProceed(after: held ? .held : .lost) else {
            cluster.setView(current, owner: nil, for: agent)
            cluster.logger.notice("cluster: agent no longer held here; not signing it in", metadata: ["agent.id": "\(agent)"])
            throw SessionFailure(.notOwner, "this member no longer holds agent \(agent)")
        }
        // The cluster held a session for the agent: a 100-002 is the cluster's own.
        return SignInPermit(ownSession: existed ? .clusterSession : nil, sessionExisted: existed, desired: desired)
    }

    /// A caller's reset succeeded: the choice goes to the agent's skills key, if the agent
    /// is still ours, so its next owner knows it. A new choice is written before the
    /// caller's answer; the same choice again only refreshes `setAt` and `requestId`,
    /// written with the next read of the cluster (`flushDesired`), as is a failed write.
    private static func desiredChanged(_ agent: AgentID, _ desired: DesiredSkills, changed: Bool, in cluster: isolated ClusterMember) async {
        cluster.pendingDesired[agent] = desired
        if changed { await writeDesired(agent, in: cluster) }
    }

    /// Writes every desired choice whose write failed.
    static func flushDesired(in cluster: isolated ClusterMember) async {
        for agent in cluster.pendingDesired.keys.sorted() { await writeDesired(agent, in: cluster) }
    }

    private static func writeDesired(_ agent: AgentID, in cluster: isolated ClusterMember) async {
        guard let desired = cluster.pendingDesired[agent] else { return }
        guard let epoch = cluster.view(of: agent).guardEpoch, cluster.lease != 0 else {
            cluster.pendingDesired[agent] = nil  // no longer ours: the owner records what its callers choose
            return
        }
        do throws(EtcdError) {
            _ = try await cluster.etcd.guarded(
                cluster.keys.agent(agent), epoch: epoch, lease: cluster.lease,
                then: [EtcdJSON.put(cluster.keys.skills(agent), desired.json.serialized)])
            cluster.reachability(true, nil, call: "skills")
            if cluster.pendingDesired[agent] == desired { cluster.pendingDesired[agent] = nil }
        } catch {
            cluster.reachability(false, error, call: "skills")
            cluster.logger.warning(
                "cluster: cannot record the agent's desired skills in etcd yet; trying again",
                metadata: ["agent.id": "\(agent)", "error": "\(error.message)"])
        }
    }

    /// A sign-in after `permitSignIn` was refused for good: the session key it wrote
    /// goes again, unless the cluster held a session before (`existed`).
    private static func signInFailed(_ agent: AgentID, existed: Bool, in cluster: isolated ClusterMember) async {
        guard !existed, let epoch = cluster.view(of: agent).guardEpoch, cluster.lease != 0 else { return }
        _ = try? await cluster.etcd.guarded(
            cluster.keys.agent(agent), epoch: epoch, lease: cluster.lease, then: [EtcdJSON.delete(cluster.keys.session(agent))])
    }

    /// The gateway said the agent's session ended (100-006 and the like): if the key is
    /// still ours, the session key goes (it was not the cluster that replaced it);
    /// otherwise another member took the agent and the session key is now its own.
    private static func sessionEnded(_ agent: AgentID, in cluster: isolated ClusterMember) async {
        var current = cluster.view(of: agent)
        guard let epoch = current.guardEpoch, cluster.lease != 0 else { return }
        do throws(EtcdError) {
            let held = try await cluster.etcd.guarded(
                cluster.keys.agent(agent), epoch: epoch, lease: cluster.lease, then: [EtcdJSON.delete(cluster.keys.session(agent))])
            cluster.reachability(true, nil, call: "guard")
            if !held {
                _ = current.mayProceed(after: .lost)
                cluster.setView(current, owner: nil, for: agent)
                cluster.metrics.handOver(.lost)
                await cluster.control.drop(agent, reason: "another member holds the agent now")
                cluster.logger.notice("cluster: agent taken over by another member; stopped acting for it", metadata: ["agent.id": "\(agent)"])
            }
        } catch {
            cluster.reachability(false, error, call: "guard")
        }
    }

    /// The agent was signed out (logout): the cluster holds no session for it any more.
    private static func signedOut(_ agent: AgentID, in cluster: isolated ClusterMember) async {
        do throws(EtcdError) {
            try await cluster.etcd.apply([EtcdJSON.delete(cluster.keys.session(agent))])
        } catch {
            cluster.reachability(false, error, call: "delete")
        }
    }
}
