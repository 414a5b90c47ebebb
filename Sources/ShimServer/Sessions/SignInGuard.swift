import ShimCore

/// What an agent's session asks before it signs in and tells afterwards: the one way
/// the session reaches the cluster. A single process passes `LocalSignInGuard` (the
/// saved state is the only record); a cluster member passes itself (`ClusterMember`:
/// etcd decides). The requirements run on the caller's executor (`nonisolated(nonsending)`):
/// a single process's guard costs the session no hop off its actor.
protocol SignInGuard: Sendable {
    /// May the agent be signed in (or taken back) now, and what is known of its session?
    /// Throws `SessionFailure` (`notOwner`, `clusterUnavailable`, `closed`): nothing goes out.
    nonisolated(nonsending) func permitSignIn(_ agent: AgentID) async throws(SessionFailure) -> SignInPermit
    /// A sign-in it permitted was refused for good (`existed`: it had seen a session).
    nonisolated(nonsending) func signInFailed(_ agent: AgentID, existed: Bool) async
    /// The gateway ended the agent's session (a poll's 100-006 and kin).
    nonisolated(nonsending) func sessionEnded(_ agent: AgentID) async
    /// The agent was signed out (`logout`).
    nonisolated(nonsending) func signedOut(_ agent: AgentID) async
    /// A caller's reset succeeded: the agent's desired choice (`changed`: a new one).
    nonisolated(nonsending) func desiredChanged(_ agent: AgentID, _ desired: DesiredSkills, changed: Bool) async
}

/// The guard of a single process: every sign-in is permitted; a saved session that may
/// still be alive is the evidence that a 100-002 is ours (`SavedSession.takeoverReason`).
struct LocalSignInGuard: SignInGuard {
    let store: StateStore?
    let unpolledSignOut: Duration

    nonisolated(nonsending) func permitSignIn(_ agent: AgentID) async throws(SessionFailure) -> SignInPermit {
        let saved = store?.session(agent)
        let reason = saved?.takeoverReason(now: SessionClock.nowMilliseconds(), unpolledSignOut: unpolledSignOut)
        return SignInPermit(ownSession: reason, sessionExisted: saved != nil)
    }

    nonisolated(nonsending) func signInFailed(_ agent: AgentID, existed: Bool) async {}
    nonisolated(nonsending) func sessionEnded(_ agent: AgentID) async {}
    nonisolated(nonsending) func signedOut(_ agent: AgentID) async {}
    nonisolated(nonsending) func desiredChanged(_ agent: AgentID, _ desired: DesiredSkills, changed: Bool) async {}
}
