import ShimCore

/// What the session service needs of this process's place among others: in a single
/// process, nothing (`SoloMembership`); in a cluster, the member's lease, claims and
/// hand-over (`ClusterGate`).
protocol Membership: Sendable {
    /// Whether the start-up sign-in (`sessions.signInAtStartup`) is the session service's
    /// job. In a cluster each agent's owner signs it in when it claims it (`ClaimPlan`).
    var signsInAtStartup: Bool { get }
    /// Background work until cancelled (cluster: keepalive and the periodic read).
    func run() async
    /// Whether a saved session of `agent` is this process's to resume (cluster: the
    /// agent's key is held by our kept lease).
    func mayResume(_ agent: AgentID) async -> Bool
    /// At shutdown, once the pollers stopped: whether this is the last live process for
    /// these agents (only the last one applies `sessions.signOutOnShutdown`).
    func isLast() async -> Bool
    /// After the sessions closed (`signedOut`: they were signed out): leave. Returns
    /// whether the saved sessions are to be forgotten (they are another member's now).
    func leave(signedOut: Bool, last: Bool) async -> Bool
}

/// A single process: it holds every configured agent.
struct SoloMembership: Membership {
    var signsInAtStartup: Bool { true }
    func run() async {}
    func mayResume(_ agent: AgentID) async -> Bool { true }
    func isLast() async -> Bool { true }
    func leave(signedOut: Bool, last: Bool) async -> Bool { false }
}
