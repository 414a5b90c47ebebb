import Foundation
import Logging
import ShimCore

extension ClusterMember {
    /// The member's background work until cancelled: the lease's keepalive and the
    /// periodic read of the cluster, from which agents are claimed, re-claimed and dropped.
    func run() async {
        await withDiscardingTaskGroup { group in
            group.addTask { await ClusterKeepAlive().run(self) }
            group.addTask { await ClusterSync().run(self) }
        }
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
