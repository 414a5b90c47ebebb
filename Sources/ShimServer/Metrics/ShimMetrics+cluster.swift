import Metrics
import NIOCore

extension ShimMetrics {
    /// What became of a claim: `won`, `lost` (another member created the key first),
    /// `error` (etcd could not be asked).
    enum ClaimResult: String { case won, lost, error }
    /// Why this member stopped acting for an agent without a logout.
    enum HandOverReason: String { case released, lost }

    /// Creates the cluster's fixed label sets at 0, so dashboards and alerts see them before
    /// the first claim or hand-over (cluster mode only).
    func clusterSeries() {
        for result in [ClaimResult.won, .lost, .error] { _ = counter("ccgw_cluster_claims_total", ("result", result.rawValue)) }
        for reason in [HandOverReason.released, .lost] { _ = counter("ccgw_cluster_hand_overs_total", ("reason", reason.rawValue)) }
    }

    func claim(_ result: ClaimResult) { counter("ccgw_cluster_claims_total", ("result", result.rawValue)).increment() }
    func handOver(_ reason: HandOverReason, count: Int = 1) {
        counter("ccgw_cluster_hand_overs_total", ("reason", reason.rawValue)).increment(by: Int64(count))
    }
    func etcdError(_ call: String) { counter("ccgw_cluster_etcd_errors_total", ("call", call)).increment() }
    /// One request forwarded to its owner: `result` is the owner's status, or `unreachable`.
    func forwarded(result: String, duration: Duration) {
        counter("ccgw_cluster_forwarded_total", ("result", result)).increment()
        timer("ccgw_cluster_forward_duration_seconds", ("result", result == "unreachable" ? "unreachable" : "answered"))
            .recordNanoseconds(TimeAmount(duration).nanoseconds)
    }
    /// Agents this member owns, and whether etcd answers.
    func cluster(owned: Int, members: Int, etcdReachable: Bool) {
        gauge("ccgw_cluster_owned_agents").record(owned)
        gauge("ccgw_cluster_members").record(members)
        gauge("ccgw_cluster_etcd_reachable").record(etcdReachable ? 1 : 0)
    }
}
