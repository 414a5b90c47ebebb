/// The recovery rules of one forwarded resetskill, as a state machine: after each
/// answer (or transport failure) it says what the session does next.
///
/// resetskill is idempotent (it sets the agent's queues to the requested set), which
/// is what makes a replay safe. Rules (PROTOCOL.md §6.1, §10.4):
/// - 000-003 (GUID refused): get a fresh GUID, then replay once;
/// - 100-006, 100-008, 105-005..007 (session gone): sign in again, then replay once;
///   an auth error after that one replay is final (`sessionLost`), so at most two
///   resetskill calls are made for auth errors;
/// - 100-007, 000-004, 000-007, 100-021, 105-002, HTTP 5xx, refused or reset
///   connections: bounded retries with backoff, while they fit the request's deadline;
/// - 000-002 and kin: final (`rejected`); any other code: final (`failed`).
public struct ResetSkillRecovery: Sendable {
    /// What the session does next.
    public enum Step: Sendable, Equatable {
        /// The answer is final.
        case finish(ResetSkillVerdict)
        /// The transport failure is final.
        case fail(GatewayCallError)
        /// Get a fresh GUID (updateGuid, §3.3), then send again.
        case refreshGUIDAndReplay
        /// Forget the session, sign in again, then send again.
        case signInAgainAndReplay
        /// Back off (retry number `retries`), then send again.
        case retry
    }

    public let maxTransientRetries: Int
    /// Whether the one replay after an auth error was used.
    public private(set) var replayed = false
    /// Transient retries used so far.
    public private(set) var retries = 0

    public init(maxTransientRetries: Int) {
        self.maxTransientRetries = maxTransientRetries
    }

    /// The step after a gateway answer. `canWait`: whether the next backoff still fits
    /// before the request's deadline.
    public mutating func next(after answer: GatewayAnswer, canWait: Bool) -> Step {
        guard let retcode = answer.retcode else {
            // Not an envelope at HTTP 200, or another status: only 5xx may pass.
            return answer.status >= 500 && takeRetry(canWait) ? .retry : .finish(.failed)
        }
        switch retcode.disposition {
        case .success: return .finish(.succeeded)
        case .rejected: return .finish(.rejected(retcode))
        case .refreshGUID: return takeReplay() ? .refreshGUIDAndReplay : .finish(.sessionLost(retcode))
        case .signInAgain: return takeReplay() ? .signInAgainAndReplay : .finish(.sessionLost(retcode))
        case .retryLater: return takeRetry(canWait) ? .retry : .finish(.failed)
        case .alreadySignedIn, .failed: return .finish(.failed)
        }
    }

    /// The step after a call that produced no answer: refused and reset connections
    /// are retried; TLS failures, timeouts and oversized answers are final.
    public mutating func next(after failure: GatewayCallError, canWait: Bool) -> Step {
        failure.isRetryable && takeRetry(canWait) ? .retry : .fail(failure)
    }

    private mutating func takeReplay() -> Bool {
        guard !replayed else { return false }
        replayed = true
        return true
    }

    private mutating func takeRetry(_ canWait: Bool) -> Bool {
        guard retries < maxTransientRetries, canWait else { return false }
        retries += 1
        return true
    }
}
