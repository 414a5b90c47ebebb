import Logging
import ShimCore

/// The member's periodic read of the cluster, every `tick`, and what `ClaimPlan` makes of
/// it: agents another member holds are dropped, held agents whose keys vanished are
/// claimed again, orphaned ones are claimed at `claimRate` and signed in, and held agents
/// whose take-back failed for a reason that may pass are signed in again. Runs on the
/// member's actor.
struct ClusterSync {
    func run(_ member: isolated ClusterMember) async {
        var last = ContinuousClock.now
        while !Task.isCancelled {
            // One read per tick: time spent claiming counts towards the next one, so claims
            // go at `claimRate` rather than at a batch per claim time plus a tick.
            do { try await Task.sleep(until: last + member.tick) } catch { return }
            last = .now
            guard member.hasJoined, member.lease != 0 else { continue }
            do throws(EtcdError) {
                try await member.refresh()
                member.reachability(true, nil, call: "range")
            } catch {
                member.reachability(false, error, call: "range")
                continue
            }
            if !member.pendingDesired.isEmpty { await ClusterSignInGuard.flushDesired(in: member) }
            let active = await member.control.activeAgents()
            // Start-up claims wait a lease, so members started together share the agents.
            let settings = member.settings
            let startupClaims = member.signInAtStartup && member.joinedAt.map { $0.duration(to: .now) >= settings.leaseTTL } == true
            let plan = ClaimPlan.plan(
                me: member.memberID, lease: member.lease, agents: member.agents, active: active, snapshot: member.snapshot,
                signInAtStartup: startupClaims)
            for agent in plan.drop { await drop(agent, member) }
            for agent in plan.reclaim where member.claiming {
                switch await member.claim(agent) {
                case .won: member.logger.notice("cluster: agent claimed again after our lease ended", metadata: ["agent.id": "\(agent)"])
                case .lost: await drop(agent, member)
                case .error: break
                }
            }
            // At most one tick's worth of claims, so the next read sees the members as they are then.
            let tickSeconds = Double(member.tick.components.seconds) + Double(member.tick.components.attoseconds) / 1e18
            let batch = max(1, Int(Double(settings.claimRate) * tickSeconds))
            await claimAndSignIn(Array(plan.claim.prefix(batch)), member)
            await signInAgain(Array(plan.signIn.prefix(batch)), member)
        }
    }

    /// Claims `agents` at `claimRate` per second and signs each claimed one in, so a
    /// member's death does not storm the gateway (issue #11, behaviour 3).
    private func claimAndSignIn(_ agents: [AgentID], _ member: isolated ClusterMember) async {
        guard !agents.isEmpty else { return }
        let spacing = Duration.seconds(1) / max(member.settings.claimRate, 1)
        let control = member.control
        await withDiscardingTaskGroup { group in
            for agent in agents {
                guard member.claiming, !Task.isCancelled else { break }
                if case .won = await member.claim(agent) {
                    group.addTask { await control.signIn(agent) }
                }
                do { try await Task.sleep(for: spacing) } catch { break }
            }
        }
    }

    /// Signs in agents whose key is ours and whose session the cluster holds, but which have
    /// no session here: their take-back failed for a reason that may pass. Not after a
    /// refusal: repeating a wrong password can lock the account.
    private func signInAgain(_ agents: [AgentID], _ member: isolated ClusterMember) async {
        guard member.claiming, !agents.isEmpty else { return }
        let control = member.control
        await withDiscardingTaskGroup { group in
            for agent in agents {
                group.addTask { await control.takeBack(agent) }
            }
        }
    }

    private func drop(_ agent: AgentID, _ member: isolated ClusterMember) async {
        // A claim of ours newer than the read that planned this drop wins.
        guard member.view(of: agent).guardEpoch == nil else { return }
        await member.control.drop(agent, reason: "another member holds the agent now")
        member.metrics.handOver(.lost)
    }
}
