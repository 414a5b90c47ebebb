import Foundation
import Logging
import ShimCore

extension ClusterMember {
    /// The member's background work until cancelled: the lease's keepalive and the
    /// periodic read of the cluster, from which agents are claimed, re-claimed and dropped.
    func run() async {
        await withDiscardingTaskGroup { group in
            group.addTask { await self.keepAliveLoop() }
            group.addTask { await self.syncLoop() }
        }
    }

    /// One keepalive every `tick` (a third of the lease; one POST each, NOTES §2.1);
    /// joins first if etcd was unreachable at start, and takes a new lease when etcd
    /// says ours is gone.
    private func keepAliveLoop() async {
        while !Task.isCancelled {
            var pause = tick
            if !hasJoined {
                do {
                    try await join()
                } catch {
                    logger.error("\(error.description)")
                }
                if !hasJoined { pause = min(tick, .seconds(1)) }
            } else if lease == 0 {
                await renewLease()
                if lease == 0 { pause = min(tick, .seconds(1)) }
            } else {
                let sentAt = ContinuousClock.now
                let held = lease
                do throws(EtcdError) {
                    if try await etcd.keepAlive(held) != nil {
                        renewed(lease: held, sentAt: sentAt)
                    } else if held == lease {
                        lostLease()
                        await renewLease()
                    }
                    reachability(true, nil, call: "keepalive")
                } catch {
                    reachability(false, error, call: "keepalive")
                    pause = min(tick, .milliseconds(500))
                }
            }
            do { try await Task.sleep(for: pause) } catch { return }
        }
    }

    /// A new lease and member key after ours ended. The agents still polled here get
    /// their keys again in the next read (`ClaimPlan.reclaim`), or are dropped.
    private func renewLease() async {
        guard claiming else { return }
        do throws(EtcdError) {
            let sentAt = ContinuousClock.now
            let granted = try await etcd.grant(ttl: Int64(settings.leaseTTL.components.seconds))
            let created = try await etcd.createIfAbsent(keys.member(memberID), value: ownRecord().encoded, lease: granted.id)
            guard created.won else {
                try? await etcd.revoke(granted.id)
                if !duplicateReported {
                    duplicateReported = true
                    logger.error("cluster: another live member now uses memberId \(memberID); this member claims nothing")
                }
                return
            }
            duplicateReported = false
            newLease(granted.id, sentAt: sentAt)
            reachability(true, nil, call: "grant")
            logger.notice("cluster: new lease")
        } catch {
            reachability(false, error, call: "grant")
        }
    }

    /// Reads the cluster every `tick` and acts on `ClaimPlan`.
    private func syncLoop() async {
        var last = ContinuousClock.now
        while !Task.isCancelled {
            // One read per tick: time spent claiming counts towards the next one, so claims
            // go at `claimRate` rather than at a batch per claim time plus a tick.
            do { try await Task.sleep(until: last + tick) } catch { return }
            last = .now
            guard hasJoined, lease != 0 else { continue }
            do throws(EtcdError) {
                try await refresh()
                reachability(true, nil, call: "range")
            } catch {
                reachability(false, error, call: "range")
                continue
            }
            if !pendingDesired.isEmpty { await flushDesired() }
            let active = await control.activeAgents()
            // Start-up claims wait a lease, so members started together share the agents.
            let startupClaims = signInAtStartup && joinedAt.map { $0.duration(to: .now) >= settings.leaseTTL } == true
            let plan = ClaimPlan.plan(
                me: memberID, lease: lease, agents: agents, active: active, snapshot: snapshot, signInAtStartup: startupClaims)
            for agent in plan.drop { await drop(agent) }
            for agent in plan.reclaim where claiming {
                switch await claim(agent) {
                case .won: logger.notice("cluster: agent claimed again after our lease ended", metadata: ["agent.id": "\(agent)"])
                case .lost: await drop(agent)
                case .error: break
                }
            }
            // At most one tick's worth of claims, so the next read sees the members as they are then.
            let tickSeconds = Double(tick.components.seconds) + Double(tick.components.attoseconds) / 1e18
            let batch = max(1, Int(Double(settings.claimRate) * tickSeconds))
            await claimAndSignIn(Array(plan.claim.prefix(batch)))
            await signInAgain(Array(plan.signIn.prefix(batch)))
        }
    }

    /// Claims `agents` at `claimRate` per second and signs each claimed one in, so a
    /// member's death does not storm the gateway (issue #11, behaviour 3).
    private func claimAndSignIn(_ agents: [AgentID]) async {
        guard !agents.isEmpty else { return }
        let spacing = Duration.seconds(1) / max(settings.claimRate, 1)
        await withDiscardingTaskGroup { group in
            for agent in agents {
                guard claiming, !Task.isCancelled else { break }
                if case .won = await claim(agent) {
                    group.addTask { [control] in await control.signIn(agent) }
                }
                do { try await Task.sleep(for: spacing) } catch { break }
            }
        }
    }

    /// Signs in agents whose key is ours and whose session the cluster holds, but which have
    /// no session here: their take-back failed for a reason that may pass. Not after a
    /// refusal: repeating a wrong password can lock the account.
    private func signInAgain(_ agents: [AgentID]) async {
        guard claiming, !agents.isEmpty else { return }
        await withDiscardingTaskGroup { group in
            for agent in agents {
                group.addTask { [control] in await control.takeBack(agent) }
            }
        }
    }

    private func drop(_ agent: AgentID) async {
        // A claim of ours newer than the read that planned this drop wins.
        guard view(of: agent).guardEpoch == nil else { return }
        await control.drop(agent, reason: "another member holds the agent now")
        metrics.handOver(.lost)
    }

    // MARK: Leaving

    /// Whether this is the only live member (the last one out applies `signOutOnShutdown`).
    func isLastMember() async -> Bool {
        guard hasJoined else { return true }
        do throws(EtcdError) {
            try await refresh()
        } catch {
            return false  // cannot tell: keep the sessions, a member that comes back resumes them
        }
        return snapshot.members.keys.allSatisfy { $0 == memberID }
    }

    /// Leaves the cluster at shutdown, once the pollers have stopped: revokes the lease,
    /// which deletes our member key and every agent key we hold at once, so the other
    /// members take the agents over without waiting for the lease to run out (issue #11,
    /// behaviour 5). The session keys stay: the next owners take the sessions back.
    func leave(handedOver: Int) async {
        stopClaiming()
        guard lease != 0 else { return }
        do throws(EtcdError) {
            try await etcd.revoke(lease)
            metrics.handOver(.released, count: handedOver)
            logger.info("cluster: left; agents released to the other members", metadata: ["cluster.agents_released": "\(handedOver)"])
            leaseRevoked()
        } catch {
            logger.warning(
                "cluster: cannot revoke the lease; the other members take the agents when it expires",
                metadata: ["error": "\(error.message)", "cluster.lease_ttl": "\(settings.leaseTTL)"])
        }
    }

    func shutdownClient() async { await etcd.shutdown() }
}
