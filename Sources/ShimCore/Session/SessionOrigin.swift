/// How the agent's current gateway session began, as `GET /v1/agents/{id}` shows it.
public enum SessionOrigin: String, Sendable, Equatable {
    /// A new sign-in (`login`, or `forceLogin` that `sessions.forceLogin` allowed).
    case signedIn
    /// Resumed from the saved state after a restart, without signing in.
    case resumed
    /// Our own session taken back with `forceLogin` (`TakeoverReason.isOwnSession`).
    case takenBack
}
