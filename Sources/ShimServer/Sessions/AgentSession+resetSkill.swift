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
            try await sendResetSkill(request, deadline: deadline, origin: .caller, requestID: requestID)
        }
    }

    /// One resetskill and its recovery; the caller holds `resetLock` (one resetskill per
    /// agent in flight, PROTOCOL.md §7). A success goes to the skill keeper: the
    /// session's applied reset, and a caller's choice as the desired one.
    func sendResetSkill(
        _ request: ResetSkillRequest, deadline: ContinuousClock.Instant, origin: ResetOrigin, requestID: String?
    ) async throws -> ResetSkillOutcome {
        var recovery = ResetSkillRecovery(maxTransientRetries: settings.maxTransientRetries)
        var attempts = 0
        while true {
            try Task.checkCancellation()
            let held = try await credentials()
            attempts += 1
            let pause = settings.backoff(attempt: recovery.retries + 1)
            let step: ResetSkillRecovery.Step
            var answer: GatewayAnswer?
            do throws(GatewayCallError) {
                let reply = try await call(request.operation, guid: held.guid, timeout: deadline.remaining)
                answer = reply
                step = recovery.next(after: reply, canWait: deadline.remaining > pause)
            } catch {
                step = recovery.next(after: error, canWait: deadline.remaining > pause)
            }
            switch step {
            case .finish(let verdict):
                metrics.skillReset(origin: origin, verdict: verdict)
                if verdict == .succeeded {
                    let actions = skills.succeeded(
                        SkillChoice(request), origin: origin, at: Self.nowMilliseconds(), requestID: requestID, generation: held.generation,
                        current: machine.current?.generation)
                    await execute(actions)
                }
                return ResetSkillOutcome(answer: answer!, verdict: verdict, attempts: attempts)
            case .fail(let error):
                metrics.skillReset(origin: origin, verdict: .failed)
                throw SessionFailure(error)
            case .refreshGUIDAndReplay:
                metrics.replay(.guidRefresh)
                _ = try await refreshGUID(after: held)
            case .signInAgainAndReplay:
                metrics.replay(.signInAgain)
                let code = answer?.retcode
                await invalidate(generation: held.generation, reason: "resetSkill: \(code?.rawValue ?? "") (session gone)", retcode: code)
            case .retry:
                try await Task.sleep(for: pause)
            }
        }
    }
}
