/// How the gateway's final answer to a forwarded resetskill is to be read,
/// decided once by `ResetSkillRecovery` (PROTOCOL.md §6, §10.4).
public enum ResetSkillVerdict: Sendable, Equatable {
    /// retcode `0`: the agent's queues are set.
    case succeeded
    /// The gateway refused a parameter (000-002 and kin, §6.1): retrying cannot help.
    case rejected(Retcode)
    /// An auth error (000-003, 100-006, …) persisted after re-authentication and the one replay.
    case sessionLost(Retcode)
    /// Anything else: another retcode, a non-200 status after the bounded retries, or a
    /// body that is not the gateway's envelope.
    case failed
}
