/// The rules of one sign-in, as a state machine: which call to send (`login` or
/// `forceLogin`) and, after each answer, what the session does next.
///
/// - `0` with a GUID (`Set-GUID`, else a `Guid` header, PROTOCOL.md §2.1): signed in.
/// - 100-002 ("already signed in", §2.1): `forcelogin` only for a `TakeoverReason`:
///   the operator allows it, the session is provably ours, or an earlier sign-in of
///   this attempt reached the gateway and only its answer was lost. Otherwise the
///   agent belongs to someone else (§8 pitfall 5) and the attempt fails.
/// - 100-007, 000-004, 000-007, 100-021, 105-002, HTTP 5xx, refused or reset
///   connections: bounded retries with backoff while they fit the deadline.
/// - Anything else (100-004 wrong password, 100-013 phone, …) is a refusal and is
///   never retried, so the shim cannot lock an account.
public struct SignInAttempt: Sendable {
    /// What the session does next.
    public enum Step: Sendable, Equatable {
        /// Signed in: install this GUID as a new generation.
        case signedIn(guid: String)
        /// Send `forceLogin` next, for this reason.
        case forceLogin(TakeoverReason)
        /// Back off, then send the same call again.
        case retry
        /// The sign-in failed.
        case fail(SessionFailure)
    }

    /// Whether the next call is `forceLogin`.
    public private(set) var forced: Bool
    /// Why `forceLogin` is used, once it is.
    public private(set) var takeover: TakeoverReason?
    /// Whether a call of this attempt may have signed the agent in without its answer
    /// (and GUID) reaching us: the gateway may now hold a session that is ours.
    public private(set) var answerLost = false
    /// Transient retries used so far.
    public private(set) var retries = 0
    public let agent: AgentID
    private let forceLoginAllowed: Bool
    private let ownSession: TakeoverReason?
    private let maxTransientRetries: Int

    /// - Parameters:
    ///   - forcing: start with `forceLogin` for this reason (the session's own GUIDs went stale).
    ///   - forceLoginAllowed: `sessions.forceLogin`.
    ///   - ownSession: what shows that a session the gateway holds for the agent is ours, if anything.
    public init(
        agent: AgentID, forcing: TakeoverReason? = nil, forceLoginAllowed: Bool, ownSession: TakeoverReason?, maxTransientRetries: Int
    ) {
        self.agent = agent
        self.forced = forcing != nil
        self.takeover = forcing
        self.forceLoginAllowed = forceLoginAllowed
        self.ownSession = ownSession
        self.maxTransientRetries = maxTransientRetries
    }

    /// The call to send next.
    public var operation: GatewayOperation {
        forced ? .forceLogin(agent) : .login(agent)
    }

    /// The step after a gateway answer. `canWait`: whether the next backoff still fits
    /// before the deadline.
    public mutating func next(after answer: GatewayAnswer, canWait: Bool) -> Step {
        let name = forced ? "forceLogin" : "login"
        guard let retcode = answer.retcode else {
            if answer.status >= 500, takeRetry(canWait) { return .retry }
            let kind: SessionFailure.Kind = answer.status >= 500 ? .signInUnavailable : .signInRefused
            return .fail(SessionFailure(kind, "sign-in failed: \(answer.summary)"))
        }
        switch retcode.disposition {
        case .success:
            guard let guid = answer.newGUID else {
                return .fail(
                    SessionFailure(
                        .unusableAnswer, "the gateway accepted \(name) but sent no GUID (no Set-GUID or Guid header)", retcode: retcode))
            }
            return .signedIn(guid: guid)
        case .alreadySignedIn:
            if !forced, let reason = forceLoginAllowed ? .configured : (answerLost ? .lostAnswer : ownSession) {
                forced = true
                takeover = reason
                return .forceLogin(reason)
            }
            return .fail(
                SessionFailure(.signedInElsewhere, "agent \(agent) is already signed in elsewhere and sessions.forceLogin is off", retcode: retcode))
        case .retryLater:
            if takeRetry(canWait) { return .retry }
            return .fail(SessionFailure(.signInUnavailable, "sign-in kept failing: \(answer.summary)", retcode: retcode))
        case .rejected, .refreshGUID, .signInAgain, .failed:
            return .fail(SessionFailure(.signInRefused, "sign-in failed: \(answer.summary)", retcode: retcode))
        }
    }

    /// The step after a call that produced no answer. A timeout or reset after the
    /// request was sent may have signed the agent in: that is remembered (`answerLost`).
    public mutating func next(after failure: GatewayCallError, canWait: Bool) -> Step {
        if failure.answerMayBeLost { answerLost = true }
        if failure.isRetryable, takeRetry(canWait) { return .retry }
        return .fail(SessionFailure(failure))
    }

    private mutating func takeRetry(_ canWait: Bool) -> Bool {
        guard retries < maxTransientRetries, canWait else { return false }
        retries += 1
        return true
    }
}
