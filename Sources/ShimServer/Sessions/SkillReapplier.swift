import Logging
import ShimCore

/// The re-apply loop of one sign-in (`generation`), started with it: while the session
/// lives and `SkillSync` says so, sends resetskill with the desired choice (origin
/// `reapply`). A caller's reset wins: both take the agent's `resetLock`, and the
/// decision is made again once the lock is ours. Failures that may pass are retried with
/// backoff up to `skills.reapplyMaxBackoff`; a refusal is reported and not retried.
/// Runs on the session's actor; what it learns goes to the session's `SkillKeeper`.
struct SkillReapplier {
    let generation: Int

    func run(_ session: isolated AgentSession) async {
        var failures = 0
        while !Task.isCancelled, session.current?.generation == generation {
            guard case .reapply = session.skillDecision() else { return }
            session.reapplyPending()
            switch await once(session) {
            case .done, .refused, .stop:
                return
            case .retry:
                failures += 1
                let settings = session.settings
                let pause = settings.backoff(attempt: failures, base: .milliseconds(500), cap: settings.reapplyMaxBackoff)
                do { try await Task.sleep(for: pause) } catch { return }
            }
        }
    }

    /// One re-apply, under `resetLock`, with its own `resetSkill` line.
    private func once(_ session: isolated AgentSession) async -> SkillSync.Next {
        // Waiting for the lock ends only by cancellation (shutting down): stop.
        let next = try? await session.resetLock.withLock { () async -> SkillSync.Next in
            guard session.current?.generation == generation, case .reapply(let choice) = session.skillDecision() else { return .done }
            let requestID = "reapply-" + SessionClock.newSignInID()
            var logger = session.logger
            logger[metadataKey: "request.id"] = .string(requestID)
            var line = ResetSkillLogLine(route: "reapply", origin: .reapply)
            line.agent = session.agentID
            let request = choice.request(for: session.agentID)
            line.request = request
            line.sessionOrigin = session.machine.origin
            let next: SkillSync.Next
            var retcode: Retcode?
            let problem: String
            do {
                let deadline = ContinuousClock.now + session.settings.requestTimeout
                let outcome = try await ResetSkillProcedure(request: request, deadline: deadline, origin: .reapply, requestID: requestID).run(session)
                problem = line.emit(outcome, to: logger)?.message ?? ""
                retcode = outcome.answer.retcode
                next = SkillSync.next(after: outcome.verdict)
            } catch let failure as SessionFailure {
                problem = line.emit(failure: failure, to: logger).message
                next = SkillSync.next(after: failure)
            } catch {
                return .stop  // cancelled: shutting down
            }
            session.reapplyEnded(next, choice: choice, generation: generation, retcode: retcode, problem: problem)
            if next == .refused {
                logger.warning(
                    "re-applying the agent's desired skills was refused; not retried",
                    metadata: [
                        "method": "resetSkill", "gateway.retcode": "\(retcode?.rawValue ?? "000-002")",
                        "skills": "\(choice.selection.logDescription)",
                    ])
            }
            return next
        }
        return next ?? .stop
    }
}
