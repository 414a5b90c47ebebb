import Logging
import ShimCore

/// The member's lease kept alive: one keepalive every `tick` (a third of the lease; one
/// POST each, cluster/NOTES.md §2.1); it joins first if etcd was unreachable at start,
/// and takes a new lease when etcd says ours is gone. Runs on the member's actor.
struct ClusterKeepAlive {
    func run(_ member: isolated ClusterMember) async {
        while !Task.isCancelled {
            var pause = member.tick
            if !member.hasJoined {
                do {
                    try await member.join()
                } catch {
                    member.logger.error("\(error.description)")
                }
                if !member.hasJoined { pause = min(member.tick, .seconds(1)) }
            } else if member.lease == 0 {
                await renewLease(member)
                if member.lease == 0 { pause = min(member.tick, .seconds(1)) }
            } else {
                let sentAt = ContinuousClock.now
                let held = member.lease
                do throws(EtcdError) {
                    if try await member.etcd.keepAlive(held) != nil {
                        member.renewed(lease: held, sentAt: sentAt)
                    } else if held == member.lease {
                        member.lostLease()
                        await renewLease(member)
                    }
                    member.reachability(true, nil, call: "keepalive")
                } catch {
                    member.reachability(false, error, call: "keepalive")
                    pause = min(member.tick, .milliseconds(500))
                }
            }
            do { try await Task.sleep(for: pause) } catch { return }
        }
    }

    /// A new lease and member key after ours ended. The agents still polled here get
    /// their keys again in the next read (`ClaimPlan.reclaim`), or are dropped.
    private func renewLease(_ member: isolated ClusterMember) async {
        guard member.claiming else { return }
        do throws(EtcdError) {
            let sentAt = ContinuousClock.now
            let granted = try await member.etcd.grant(ttl: Int64(member.settings.leaseTTL.components.seconds))
            let created = try await member.etcd.createIfAbsent(
                member.keys.member(member.memberID), value: member.ownRecord().encoded, lease: granted.id)
            guard created.won else {
                try? await member.etcd.revoke(granted.id)
                if !member.duplicateReported {
                    member.duplicateReported = true
                    member.logger.error("cluster: another live member now uses memberId \(member.memberID); this member claims nothing")
                }
                return
            }
            member.duplicateReported = false
            member.newLease(granted.id, sentAt: sentAt)
            member.reachability(true, nil, call: "grant")
            member.logger.notice("cluster: new lease")
        } catch {
            member.reachability(false, error, call: "grant")
        }
    }
}
