import ShimCore

/// One resetskill and its recovery, following `ResetSkillRecovery`'s rules (PROTOCOL.md
/// §10.4): refresh the GUID or sign in again and replay once, retry what may pass. The
/// caller holds the agent's `resetLock` (one resetskill per agent in flight, §7). A
/// success goes to the skill keeper: the session's applied reset, and a caller's choice
/// as the desired one. Runs on the session's actor.
struct ResetSkillProcedure {
    let request: ResetSkillRequest
    let deadline: ContinuousClock.Instant
    let origin: ResetOrigin
    let requestID: String?

    func run(_ session: isolated AgentSession) async throws -> ResetSkillOutcome {
        var recovery = ResetSkillRecovery(maxTransientRetries: session.settings.maxTransientRetries)
        var attempts = 0
        while true {
            try Task.checkCancellation()
            let held = try await session.credentials()
            attempts += 1
            let pause = session.settings.backoff(attempt: recovery.retries + 1)
            let step: ResetSkillRecovery.Step
            var answer: GatewayAnswer?
            do throws(GatewayCallError) {
                let reply = try await session.call(request.operation, guid: held.guid, timeout: deadline.remaining)
                answer = reply
                step = recovery.next(after: reply, canWait: deadline.remaining > pause)
            } catch {
                step = recovery.next(after: error, canWait: deadline.remaining > pause)
            }
            switch step {
            case .finish(let verdict):
                session.metrics.skillReset(origin: origin, verdict: verdict)
                if verdict == .succeeded {
                    let actions = session.skills.succeeded(
                        SkillChoice(request), origin: origin, at: SessionClock.nowMilliseconds(), requestID: requestID, generation: held.generation,
                        current: session.machine.current?.generation)
                    await session.execute(actions)
                    let configured = session.configuredCache.map { $0.skills.map(\.id) }
                    let event = OwnEvent.applied(SkillChoice(request), origin: origin, configured: configured)
                    session.events?.publishOwn(session.agentID, type: event.type, details: event.details)
                }
                return ResetSkillOutcome(answer: answer!, verdict: verdict, attempts: attempts)
            case .fail(let error):
                session.metrics.skillReset(origin: origin, verdict: .failed)
                throw SessionFailure(error)
            case .refreshGUIDAndReplay:
                session.metrics.replay(.guidRefresh)
                _ = try await session.refreshGUID(after: held)
            case .signInAgainAndReplay:
                session.metrics.replay(.signInAgain)
                let code = answer?.retcode
                await session.invalidate(generation: held.generation, reason: "resetSkill: \(code?.rawValue ?? "") (session gone)", retcode: code)
            case .retry:
                try await Task.sleep(for: pause)
            }
        }
    }
}
