import GatewayClient
import Logging
import ShimCore

/// Thrown when too many requests already wait for one agent (`limits.maxQueuedPerAgent`).
struct AgentQueueFull: Error {}

/// The final gateway answer to one forwarded resetskill, and how it was reached.
struct ResetSkillOutcome: Sendable {
    let answer: GatewayAnswer
    /// resetskill calls sent for this request.
    let attempts: Int
    /// True when an auth error (000-003, 100-006, …) persisted after the one replay.
    let sessionLost: Bool
}

extension AgentSession {
    /// Forwards one resetskill with session recovery.
    ///
    /// resetskill is idempotent: it sets the agent's queues to the requested set,
    /// so sending it again after an auth error or a lost answer cannot do harm.
    /// That is what makes the replays below safe. Rules (PROTOCOL.md §10.4, issue #2):
    /// - 000-003: fresh GUID (updateGuid, else forcelogin), then one replay;
    /// - 100-006/100-008/105-005..007: sign in again, then one replay;
    ///   at most two resetskill calls for auth errors;
    /// - 100-007/000-004/000-007/100-021, HTTP 5xx, refused or reset connections:
    ///   bounded retries with backoff inside the deadline;
    /// - 000-002 and unknown codes: returned as they are, no retry.
    /// Callers wait their turn (`resetLock`) within their own deadline.
    func resetSkill(_ request: ResetSkillRequest, deadline: ContinuousClock.Instant) async throws -> ResetSkillOutcome {
        guard resetLock.waiting < settings.maxQueuedPerAgent else { throw AgentQueueFull() }
        return try await resetLock.withLock {
            var replayed = false
            var retries = 0
            var attempts = 0
            while true {
                try Task.checkCancellation()
                let held = try await credentials()
                attempts += 1
                let answer: GatewayAnswer
                do {
                    answer = try await call(request.operation, guid: held.guid, timeout: deadline.remaining)
                } catch let failure as GatewayFailure {
                    if failure.isRetryable, retries < settings.maxTransientRetries, try await backoff(&retries, deadline) { continue }
                    throw failure
                }
                switch answer.retcode?.disposition {
                case .refreshGUID?:
                    guard !replayed else { return ResetSkillOutcome(answer: answer, attempts: attempts, sessionLost: true) }
                    replayed = true
                    metrics.replay(.guidRefresh)
                    _ = try await refreshGUID(after: held)
                case .signInAgain?:
                    guard !replayed else { return ResetSkillOutcome(answer: answer, attempts: attempts, sessionLost: true) }
                    replayed = true
                    metrics.replay(.signInAgain)
                    invalidate(generation: held.generation, reason: "resetSkill: \(answer.retcode?.rawValue ?? "") (session gone)", retcode: answer.retcode)
                case .retryLater?:
                    if retries < settings.maxTransientRetries, try await backoff(&retries, deadline) { continue }
                    return ResetSkillOutcome(answer: answer, attempts: attempts, sessionLost: false)
                case nil where answer.status >= 500:
                    if retries < settings.maxTransientRetries, try await backoff(&retries, deadline) { continue }
                    return ResetSkillOutcome(answer: answer, attempts: attempts, sessionLost: false)
                default:
                    return ResetSkillOutcome(answer: answer, attempts: attempts, sessionLost: false)
                }
            }
        }
    }
}
