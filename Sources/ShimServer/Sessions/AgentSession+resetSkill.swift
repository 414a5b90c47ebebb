import ShimCore

extension AgentSession {
    /// Forwards one caller's resetskill with session recovery, following
    /// `ResetSkillRecovery`'s rules (PROTOCOL.md §10.4), and returns the final answer
    /// with its verdict. On success the choice becomes the agent's desired one.
    ///
    /// Throws `SessionFailure` when there is no final resetskill answer (the sign-in
    /// failed, the gateway could not be reached, the agent's queue is full).
    /// Callers wait their turn (`resetLock`) within their own deadline.
    func resetSkill(_ request: ResetSkillRequest, deadline: ContinuousClock.Instant, requestID: String? = nil) async throws -> ResetSkillOutcome {
        guard resetLock.waiting < settings.maxQueuedPerAgent else {
            throw SessionFailure(.queueFull, "too many requests are waiting for this agent; retry shortly")
        }
        return try await resetLock.withLock {
            try await ResetSkillProcedure(request: request, deadline: deadline, origin: .caller, requestID: requestID).run(self)
        }
    }
}
