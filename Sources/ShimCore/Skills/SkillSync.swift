/// The rule that keeps an agent in its desired skill queues across sessions the shim
/// makes by itself (failover take-back, restart take-back, start-up sign-in, a sign-in
/// after the gateway ended the session). Pure: it takes what the session knows and
/// says what to do; `AgentSession` makes the calls.
///
/// Why: the queues an agent joined belong to its gateway session; resetskill is the
/// call made right after sign-in or forced sign-in (PROTOCOL.md §5.1, "Typical use"),
/// so a new session is in none of the queues the callers chose until it is reset again.
public enum SkillSync {
    /// What the agent's session needs now.
    public enum Decision: Sendable, Equatable {
        /// Nothing is desired (no caller's choice, no configured default): nothing to keep.
        case nothingDesired
        /// No session: the queues are set when one begins.
        case notSignedIn
        /// The current session's last successful reset is the desired choice.
        case inSync
        /// Send resetskill with this choice (origin `reapply`).
        case reapply(SkillChoice)
        /// Re-applying this choice to the current session was refused (000-002 and kin):
        /// reported, not sent again until the choice or the session changes.
        case refused
    }

    /// The decision for a session: `signedIn`, the `desired` choice, the `applied` reset
    /// of the current session, and the choice a re-apply was `refused` for in it.
    public static func decide(signedIn: Bool, desired: DesiredSkills?, applied: AppliedSkills?, refused: SkillChoice?) -> Decision {
        guard let desired else { return .nothingDesired }
        guard signedIn else { return .notSignedIn }
        if applied?.choice == desired.choice { return .inSync }
        if refused == desired.choice { return .refused }
        return .reapply(desired.choice)
    }

    /// Whether the current session has the desired choice; nil when there is nothing to
    /// compare (nothing desired, or no session).
    public static func inSync(signedIn: Bool, desired: DesiredSkills?, applied: AppliedSkills?) -> Bool? {
        guard desired != nil, signedIn else { return nil }
        return applied?.choice == desired?.choice
    }

    /// What a re-apply does after its resetskill ended.
    public enum Next: Sendable, Equatable {
        /// The choice is in place.
        case done
        /// The gateway refused the choice: report it, do not send it again.
        case refused
        /// It may pass (a 5xx, a timeout, the session lost on the way): try again after a backoff.
        case retry
        /// Nothing to do here any more (the sign-in was refused, the agent is someone
        /// else's, the shim is stopping): stop without retrying.
        case stop
    }

    /// After a final resetskill answer.
    public static func next(after verdict: ResetSkillVerdict) -> Next {
        switch verdict {
        case .succeeded: .done
        case .rejected: .refused
        case .sessionLost, .failed: .retry
        }
    }

    /// After a session failure with no resetskill answer.
    public static func next(after failure: SessionFailure) -> Next {
        failure.mayPass || failure.kind == .clusterUnavailable ? .retry : .stop
    }
}
