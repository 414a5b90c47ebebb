import Foundation
import Logging
import ShimCore

extension ClusterMember {
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
    func route(_ agent: AgentID, forwarded: Bool, fresh: Bool) async -> Decision {
        let until = ContinuousClock.now + Self.patience
        while !hasJoined {
            guard ContinuousClock.now < until else {
                return .unavailable("this member has not joined the cluster yet: etcd cannot be reached")
            }
            try? await Task.sleep(for: .milliseconds(100))
        }
        var ask = fresh
        while true {
            let decision = await routeOnce(agent, forwarded: forwarded, ask: ask)
            guard case .unavailable = decision, claiming, ContinuousClock.now < until else { return decision }
            try? await Task.sleep(for: .milliseconds(250))
            ask = true
        }
    }

    private func routeOnce(_ agent: AgentID, forwarded: Bool, ask: Bool) async -> Decision {
        if ask || view(of: agent).holder == .unknown || view(of: agent).holder == .nobody {
            do throws(EtcdError) {
                try await refresh(agent)
                reachability(true, nil, call: "range")
            } catch {
                reachability(false, error, call: "range")
            }
        }
        var current = view(of: agent)
        switch current.route(forwarded: forwarded, etcdReachable: etcdReachable && lease != 0 && claiming) {
        case .serve:
            return .serve
        case .forward(let member):
            return forwardDecision(agent, member)
        case .notOwner:
            return .notOwner
        case .unavailable:
            if !claiming { return .unavailable("this member is leaving the cluster; send the request again") }
            return .unavailable("etcd cannot be reached, so no member can take agent \(agent) now")
        case .claim:
            switch await claim(agent) {
            case .won:
                return .serve
            case .lost:
                current = view(of: agent)
                if case .member(let member, _) = current.holder { return forwardDecision(agent, member) }
                return .unavailable("agent \(agent) changed hands; send the request again")
            case .error(let message):
                return .unavailable(message)
            }
        }
    }

    private func forwardDecision(_ agent: AgentID, _ member: String) -> Decision {
        let url = owner(of: agent)?.record.url ?? snapshot.members[member]?.url ?? ""
        guard !url.isEmpty, !member.contains("@") else {
            return .unavailable("agent \(agent) is held by a member that is leaving; send the request again")
        }
        return .forward(member: member, url: url)
    }

    enum ClaimOutcome: Sendable, Equatable {
        case won
        case lost
        case error(String)
    }

    /// Creates the agent's key on our lease if nobody holds it (its create revision is the epoch).
    func claim(_ agent: AgentID) async -> ClaimOutcome {
        guard lease != 0, claiming else { return .error("this member holds no lease now") }
        let record = ownRecord()
        do throws(EtcdError) {
            let result = try await etcd.createIfAbsent(keys.agent(agent), value: record.encoded, lease: lease)
            reachability(true, nil, call: "claim")
            if result.won {
                var current = view(of: agent)
                current.claimed(epoch: result.epoch)
                setView(current, owner: .init(record: record, epoch: result.epoch, lease: lease), for: agent, revision: result.revision)
                metrics.claim(.won)
                await control.adopt(agent)
                logger.info("cluster: agent claimed", metadata: ["agent.id": "\(agent)", "cluster.epoch": "\(result.epoch)"])
                return .won
            }
            observe(agent, owner: result.holder.flatMap(ClusterSnapshot.Owner.init), revision: result.revision)
            metrics.claim(.lost)
            return .lost
        } catch {
            reachability(false, error, call: "claim")
            metrics.claim(.error)
            return .error("etcd cannot be reached, so agent \(agent) cannot be claimed now")
        }
    }

    /// The guard before a sign-in or forcelogin (issue #11, behaviour 4): one transaction
    /// that succeeds only while the agent's key is ours with our epoch and lease, and
    /// then reads and writes the agent's session key. Returns whether the cluster held a
    /// session for the agent before (so a 100-002 is the cluster's own); the write
    /// covers a crash between the sign-in and its answer. Throws `.notOwner` when the
    /// key is not ours, `.clusterUnavailable` when etcd cannot be asked: either way no
    /// sign-in goes out. The same transaction reads the agent's desired skills, so a
    /// member that takes the agent over re-applies the choice made through the last owner.
    func permitSignIn(_ agent: AgentID) async throws(SessionFailure) -> ShimCore.SignInPermit {
        guard claiming else { throw SessionFailure(.closed, "the shim is shutting down") }
        var current = view(of: agent)
        guard let epoch = current.guardEpoch, lease != 0 else {
            throw SessionFailure(.notOwner, "this member does not hold agent \(agent)")
        }
        let operations = [
            EtcdJSON.rangeOperation(keys.session(agent)), EtcdJSON.rangeOperation(keys.skills(agent)),
            EtcdJSON.put(keys.session(agent), ownRecord().encoded),
        ]
        let held: Bool
        let existed: Bool
        var desired: DesiredSkills?
        do throws(EtcdError) {
            let answer = try await etcd.call("/v3/kv/txn", EtcdJSON.guarded(key: keys.agent(agent), epoch: epoch, lease: lease, success: operations))
            reachability(true, nil, call: "guard")
            held = EtcdJSON.succeeded(answer)
            let ranges = EtcdJSON.ranges(answer)
            existed = !(ranges.first ?? []).isEmpty
            if ranges.count > 1, let value = ranges[1].first, let json = try? JSONParser.parse(value.value) {
                desired = DesiredSkills(json: json)
            }
        } catch {
            reachability(false, error, call: "guard")
            _ = current.mayProceed(after: .unreachable)
            throw SessionFailure(.clusterUnavailable, "etcd cannot confirm that this member holds agent \(agent), so it is not signed in now")
        }
        guard current.mayProceed(after: held ? .held : .lost) else {
            setView(current, owner: nil, for: agent)
            logger.notice("cluster: agent no longer held here; not signing it in", metadata: ["agent.id": "\(agent)"])
            throw SessionFailure(.notOwner, "this member no longer holds agent \(agent)")
        }
        // The cluster held a session for the agent: a 100-002 is the cluster's own.
        return ShimCore.SignInPermit(ownSession: existed ? .clusterSession : nil, sessionExisted: existed, desired: desired)
    }

    /// A caller's reset succeeded: the choice goes to the agent's skills key, if the agent
    /// is still ours, so its next owner knows it. A new choice is written before the
    /// caller's answer; the same choice again only refreshes `setAt` and `requestId`,
    /// written with the next read of the cluster (`flushDesired`), as is a failed write.
    func desiredChanged(_ agent: AgentID, _ desired: DesiredSkills, changed: Bool) async {
        pendingDesired[agent] = desired
        if changed { await writeDesired(agent) }
    }

    /// Writes every desired choice whose write failed.
    func flushDesired() async {
        for agent in pendingDesired.keys.sorted() { await writeDesired(agent) }
    }

    private func writeDesired(_ agent: AgentID) async {
        guard let desired = pendingDesired[agent] else { return }
        guard let epoch = view(of: agent).guardEpoch, lease != 0 else {
            pendingDesired[agent] = nil  // no longer ours: the owner records what its callers choose
            return
        }
        do throws(EtcdError) {
            _ = try await etcd.guarded(
                keys.agent(agent), epoch: epoch, lease: lease, then: [EtcdJSON.put(keys.skills(agent), desired.json.serialized)])
            reachability(true, nil, call: "skills")
            if pendingDesired[agent] == desired { pendingDesired[agent] = nil }
        } catch {
            reachability(false, error, call: "skills")
            logger.warning(
                "cluster: cannot record the agent's desired skills in etcd yet; trying again",
                metadata: ["agent.id": "\(agent)", "error": "\(error.message)"])
        }
    }

    /// A sign-in after `permitSignIn` was refused for good: the session key it wrote
    /// goes again, unless the cluster held a session before (`existed`).
    func signInFailed(_ agent: AgentID, existed: Bool) async {
        guard !existed, let epoch = view(of: agent).guardEpoch, lease != 0 else { return }
        _ = try? await etcd.guarded(keys.agent(agent), epoch: epoch, lease: lease, then: [EtcdJSON.delete(keys.session(agent))])
    }

    /// The gateway said the agent's session ended (100-006 and the like): if the key is
    /// still ours, the session key goes (it was not the cluster that replaced it);
    /// otherwise another member took the agent and the session key is now its own.
    func sessionEnded(_ agent: AgentID) async {
        var current = view(of: agent)
        guard let epoch = current.guardEpoch, lease != 0 else { return }
        do throws(EtcdError) {
            let held = try await etcd.guarded(keys.agent(agent), epoch: epoch, lease: lease, then: [EtcdJSON.delete(keys.session(agent))])
            reachability(true, nil, call: "guard")
            if !held {
                _ = current.mayProceed(after: .lost)
                setView(current, owner: nil, for: agent)
                metrics.handOver(.lost)
                await control.drop(agent, reason: "another member holds the agent now")
                logger.notice("cluster: agent taken over by another member; stopped acting for it", metadata: ["agent.id": "\(agent)"])
            }
        } catch {
            reachability(false, error, call: "guard")
        }
    }

    /// The agent was signed out (logout): the cluster holds no session for it any more.
    func signedOut(_ agent: AgentID) async {
        do throws(EtcdError) {
            try await etcd.apply([EtcdJSON.delete(keys.session(agent))])
        } catch {
            reachability(false, error, call: "delete")
        }
    }
}

extension ClusterMember {
    /// After `member` could not be reached: waits (re-reading the agent's key) until
    /// another member or nobody holds the agent, or `deadline` passes. A member that is
    /// leaving revokes its lease within moments; a dead one's lease runs out.
    func waitForOwnerChange(_ agent: AgentID, from member: String, until deadline: ContinuousClock.Instant) async -> Bool {
        while ContinuousClock.now < deadline {
            do throws(EtcdError) {
                try await refresh(agent)
                reachability(true, nil, call: "range")
            } catch {
                reachability(false, error, call: "range")
            }
            if case .member(let holder, _) = view(of: agent).holder, holder == member {
                try? await Task.sleep(for: .milliseconds(100))
                continue
            }
            return true
        }
        return false
    }
}

extension ClusterMember: SignInGuard {}
