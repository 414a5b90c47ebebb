import HTTPTypes
import Logging
import ShimCore

/// Skills that stick: the agent's desired choice, the reset applied in the current
/// session, and the loop that re-applies the choice to every session the shim makes by
/// itself (take-backs, start-up sign-ins, sign-ins after the gateway ended a session).
/// The rule of when is `SkillSync`'s (ShimCore).
extension AgentSession {
    /// The choice the agent is kept in: the last caller's, else the configured default.
    var desired: DesiredSkills? { callerDesired ?? agent.skills.map(DesiredSkills.configured) }

    /// What `SkillSync` says the current session needs.
    func skillDecision() -> SkillSync.Decision {
        let generation = current?.generation
        return SkillSync.decide(
            signedIn: generation != nil, desired: desired, applied: appliedGeneration == generation ? applied : nil,
            refused: refused?.generation == generation ? refused?.choice : nil)
    }

    /// Whether the current session has the desired choice (nil: nothing desired, or no session).
    var skillsInSync: Bool? {
        SkillSync.inSync(signedIn: current != nil, desired: desired, applied: appliedGeneration == current?.generation ? applied : nil)
    }

    /// Takes a desired choice another member recorded (cluster mode), when it is newer.
    func adoptDesired(_ shared: DesiredSkills) {
        guard shared.source == .caller, callerDesired.map({ $0.isOlder(than: shared) }) ?? true else { return }
        callerDesired = shared
        store?.setDesired(agentID, shared)
    }

    /// A reset that succeeded in session `generation`: the session's applied reset, and a
    /// caller's choice becomes the desired one (state file; etcd in cluster mode).
    func recordApplied(_ choice: SkillChoice, origin: ResetOrigin, requestID: String?, generation: Int) async {
        let now = Self.nowMilliseconds()
        if current?.generation == generation {
            let record = AppliedSkills(choice: choice, origin: origin, at: now, requestID: requestID)
            applied = record
            appliedGeneration = generation
            store?.setApplied(agentID, record)
            if refused?.choice == choice { refused = nil }
            reapplyState = .idle
        }
        guard origin == .caller else { return }
        let changed = callerDesired?.choice != choice
        let chosen = DesiredSkills(choice: choice, source: .caller, setAt: now, requestID: requestID)
        callerDesired = chosen
        store?.setDesired(agentID, chosen)
        if changed, let cluster { await cluster.desiredChanged(agentID, chosen) }
    }

    /// The re-apply loop of session `generation`, started with it: while the session
    /// lives and `SkillSync` says so, sends resetskill with the desired choice (origin
    /// `reapply`). A caller's reset wins: both take `resetLock`, and the decision is made
    /// again once the lock is ours. Failures that may pass are retried with backoff; a
    /// refusal is reported and not retried.
    func keepSkills(generation: Int) async {
        var failures = 0
        while !Task.isCancelled, current?.generation == generation {
            guard case .reapply = skillDecision() else { return }
            reapplyState = failures == 0 ? .pending : reapplyState
            switch await reapplyOnce(generation: generation) {
            case .done, .refused, .stop:
                return
            case .retry:
                failures += 1
                let pause = settings.backoff(attempt: failures, base: .milliseconds(500), cap: settings.reapplyMaxBackoff)
                do { try await Task.sleep(for: pause) } catch { return }
            }
        }
    }

    /// One re-apply, under `resetLock`, with its own `resetSkill` line.
    private func reapplyOnce(generation: Int) async -> SkillSync.Next {
        // Waiting for the lock ends only by cancellation (shutting down): stop.
        let next = try? await resetLock.withLock { () async -> SkillSync.Next in
            guard current?.generation == generation, case .reapply(let choice) = skillDecision() else { return .done }
            let requestID = "reapply-" + Self.newSignInID()
            var logger = self.logger
            logger[metadataKey: "request.id"] = .string(requestID)
            var line = ResetSkillLogLine(route: "reapply", origin: .reapply)
            line.agent = agentID
            let request = choice.request(for: agentID)
            line.request = request
            line.sessionOrigin = origin
            let next: SkillSync.Next
            do {
                let deadline = ContinuousClock.now + settings.requestTimeout
                let outcome = try await sendResetSkill(request, deadline: deadline, origin: .reapply, requestID: requestID)
                line.retcode = outcome.answer.retcode
                line.attempts = outcome.attempts
                let error = APIError(outcome)
                if let error { line.errorCode = error.code }
                line.emit(to: logger, status: Int(error?.status.code ?? 200))
                next = SkillSync.next(after: outcome.verdict)
                switch next {
                case .refused:
                    let code = outcome.answer.retcode ?? Retcode("000-002")
                    refused = (choice, generation, code)
                    reapplyState = .refused(code)
                    metrics.reapply(.refused)
                    logger.warning(
                        "re-applying the agent's desired skills was refused; not retried",
                        metadata: ["method": "resetSkill", "gateway.retcode": "\(code)", "skills": "\(choice.selection.logDescription)"])
                case .retry: reapplyState = .retrying(error?.message ?? "the gateway did not confirm the reset")
                case .done: metrics.reapply(.applied)
                case .stop: break
                }
            } catch let failure as SessionFailure {
                let error = APIError(failure)
                line.errorCode = error.code
                line.retcode = failure.retcode
                line.emit(to: logger, status: Int(error.status.code))
                next = SkillSync.next(after: failure)
                if next == .retry { reapplyState = .retrying(failure.message) } else { reapplyState = .idle }
            } catch {
                return .stop  // cancelled: shutting down
            }
            if next == .retry { metrics.reapply(.retried) }
            return next
        }
        return next ?? .stop
    }

    // MARK: The skills view

    /// The gateway's configured skills for the agent (`agentskills`, PROTOCOL.md §5.2),
    /// reused for `skills.configuredCacheTTL`. Never signs the agent in: a read must not
    /// take a session. Throws a message when they cannot be read now.
    func configuredSkills() async throws(SkillsUnavailable) -> (skills: [ConfiguredSkill], at: ContinuousClock.Instant) {
        if let cached = configuredCache, cached.at.duration(to: .now) < settings.configuredCacheTTL { return cached }
        guard var held = current else {
            throw SkillsUnavailable(message: "the agent is not signed in; the gateway lists its skills only for a session")
        }
        for attempt in 0..<2 {
            let answer: GatewayAnswer
            do throws(GatewayCallError) {
                answer = try await call(.queryAgentSkills(agentID), guid: held.guid, timeout: settings.requestTimeout)
            } catch {
                throw SkillsUnavailable(message: "queryAgentSkills: \(error.message)")
            }
            if answer.retcode == .success, let skills = ConfiguredSkill.list(from: answer.decoded?.result) {
                let fresh = (skills, ContinuousClock.now)
                configuredCache = fresh
                return fresh
            }
            // A refused GUID (000-003): one refresh and one more try (PROTOCOL.md §3.3).
            if attempt == 0, answer.retcode?.disposition == .refreshGUID, let renewed = try? await refreshGUID(after: held) {
                held = renewed
                continue
            }
            throw SkillsUnavailable(message: "queryAgentSkills: \(answer.summary)")
        }
        throw SkillsUnavailable(message: "queryAgentSkills: the GUID was refused twice")
    }

    /// What the skills view shows of the session's side.
    func skillsState() -> (signedIn: Bool, desired: DesiredSkills?, applied: AppliedSkills?, inSync: Bool?, reapply: ReapplyState) {
        let currentApplied = appliedGeneration == current?.generation ? applied : nil
        return (current != nil, desired, current == nil ? nil : currentApplied, skillsInSync, reapplyState)
    }
}

/// The configured skills could not be read (no session, the gateway failed): the skills
/// view says so and shows the rest.
struct SkillsUnavailable: Error {
    let message: String
}
