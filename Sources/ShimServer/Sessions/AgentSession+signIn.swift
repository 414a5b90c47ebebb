import Logging
import ShimCore

extension AgentSession {
    /// The current credentials, signing in first (single-flight) if there are none.
    /// Throws `SessionFailure`.
    func credentials() async throws -> Credentials {
        if let current = machine.current { return current }
        guard !machine.closed else { throw SessionFailure(.closed, "the shim is shutting down") }
        return try await signInFlight.run { try await self.signIn() }
    }

    /// Makes sure the agent is signed in (start-up, a cluster claim).
    func ensureSignedIn() async throws {
        _ = try await credentials()
    }

    /// Signs in, following `SignInAttempt`'s rules (PROTOCOL.md §2.1, §2.2, §8 pitfall 5),
    /// within `requestTimeout`, each call right after the guard permitted it.
    /// `forcing`: start with `forceLogin` for this reason.
    func signIn(forcing: TakeoverReason? = nil) async throws -> Credentials {
        let deadline = ContinuousClock.now + settings.requestTimeout
        let permit = machine.startSignIn(try await signInGuard.permitSignIn(agentID))
        // A take-over learns the choice its callers made through the previous owner.
        if let shared = permit.desired { await execute(skills.adopt(shared)) }
        var attempt = SignInAttempt(
            agent: agentID, forcing: forcing, forceLoginAllowed: settings.forceLogin,
            ownSession: permit.ownSession, maxTransientRetries: settings.maxTransientRetries)
        var lossRecorded = false
        var guarded = true
        while true {
            // Every further sign-in call (a forcelogin after 100-002, a retry) is guarded again.
            if !guarded { _ = try await signInGuard.permitSignIn(agentID) }
            guarded = false
            let operation = attempt.operation
            let pause = settings.backoff(attempt: attempt.retries + 1)
            let step: SignInAttempt.Step
            let sentAt = Self.nowMilliseconds()
            do throws(GatewayCallError) {
                let answer = try await call(operation, guid: nil, body: signInBody(), timeout: deadline.remaining)
                step = attempt.next(after: answer, canWait: deadline.remaining > pause)
            } catch {
                step = attempt.next(after: error, canWait: deadline.remaining > pause)
            }
            if attempt.answerLost, !lossRecorded {
                // Saved at once, so even a restart knows the 100-002 that may follow is ours.
                lossRecorded = true
                await execute(machine.signInAnswerLost(record(guid: nil, at: sentAt)))
            }
            switch step {
            case .signedIn(let guid):
                let (credentials, actions) = machine.signedIn(record(guid: guid, at: Self.nowMilliseconds()), takeover: attempt.takeover)
                await began(credentials, counted: true)
                await execute(actions)
                metrics.signIn(machine.origin == .takenBack ? .takenBack : .success)
                var metadata: Logger.Metadata = [
                    "method": "\(operation.logName)", "gateway.retcode": "0", "session.generation": "\(credentials.generation)",
                ]
                if let reason = attempt.takeover { metadata["takeover.reason"] = "\(reason.rawValue)" }
                logger.info("\(operation.logName)", metadata: metadata)
                return credentials
            case .forceLogin(let reason):
                logger.notice(
                    "agent already signed in; taking the session over with forceLogin",
                    metadata: ["method": "login", "gateway.retcode": "100-002", "takeover.reason": "\(reason.rawValue)"])
            case .retry:
                try await Task.sleep(for: pause)
            case .fail(let failure):
                recordError("\(operation.logName): \(failure.retcode?.rawValue ?? failure.message)")
                metrics.signIn(failure.kind == .signedInElsewhere ? .conflict : .failure)
                if failure.kind != .signedInElsewhere {
                    logger.warning(
                        "\(operation.logName) failed",
                        metadata: [
                            "method": "\(operation.logName)", "gateway.retcode": "\(failure.retcode?.rawValue ?? "none")",
                            "error": "\(failure.message)",
                        ])
                }
                await execute(
                    machine.signInFailed(mayPass: failure.mayPass, answerLost: attempt.answerLost, guardHadSession: permit.sessionExisted))
                throw failure
            }
        }
    }

    /// The record saved for a sign-in sent at `at` (nil GUID: its answer was lost).
    private func record(guid: String?, at: Int64) -> SavedSession {
        SavedSession(guid: guid, cookies: cookies.cookieHeader, signIn: Self.newSignInID(), phone: agent.phone, contactAt: at)
    }

    /// The sign-in body: password and phone from the agent's keys, then its extra `signIn` fields (PROTOCOL.md §2.1).
    private func signInBody() -> JSONValue {
        var members: [(key: String, value: JSONValue)] = [("password", .string(password)), ("phonenum", .string(agent.phone))]
        for field in agent.signIn { members.append((field.name, field.value)) }
        return .object(members)
    }

    /// The session machine said to sign in again by itself (`SessionMachine.afterEnd`).
    /// A 100-002 follows `sessions.forceLogin` as any sign-in does, so a foreign holder
    /// keeps the agent unless the operator chose otherwise. Failures that may pass are
    /// retried with backoff; refusals end it (repeating a wrong password can lock the account).
    func signInAgain(_ reason: SessionMachine.SignInAgainReason) async {
        var failures = 0
        while !Task.isCancelled, machine.current == nil, machine.holdExpected || reason == .keepSignedIn {
            do {
                _ = try await credentials()
                logger.info(
                    "signed in again after the gateway ended the session",
                    metadata: ["session.origin": "\(machine.origin?.rawValue ?? "-")", "sign_in.reason": "\(reason.rawValue)"])
                return
            } catch let failure as SessionFailure {
                guard SkillSync.next(after: failure) == .retry else {
                    logger.notice("not signed in again after the gateway ended the session", metadata: ["error": "\(failure.message)"])
                    return
                }
                failures += 1
                let pause = settings.backoff(attempt: failures, base: .milliseconds(500), cap: settings.reapplyMaxBackoff)
                do { try await Task.sleep(for: pause) } catch { return }
            } catch {
                return
            }
        }
    }

    /// Gets a fresh GUID after the gateway refused one (000-003), single-flight.
    ///
    /// First `updateGuid` with the newest GUID held (PROTOCOL.md §3.3); if the gateway
    /// refuses that too, `forcelogin`: it is the shim's own session that went stale, so
    /// taking it back displaces no one else.
    func refreshGUID(after stale: Credentials) async throws -> Credentials {
        if let current = machine.current, current != stale { return current }  // someone already refreshed it
        return try await refreshFlight.run { try await self.performRefresh(stale: stale) }
    }

    private func performRefresh(stale: Credentials) async throws -> Credentials {
        guard let held = machine.current, held.generation == stale.generation else { return try await credentials() }
        let answer: GatewayAnswer
        do throws(GatewayCallError) {
            answer = try await call(.updateGuid(agentID), guid: held.guid, timeout: settings.requestTimeout)
        } catch {
            recordError("updateGuid: \(error.message)")
            throw SessionFailure(error)
        }
        let code = answer.retcode?.rawValue ?? ""
        if answer.retcode == .success, let guid = answer.decoded?.updatedGUID ?? answer.newGUID {
            await replaceGUID(guid, generation: held.generation)
            logger.info("updateGuid", metadata: ["method": "updateGuid", "gateway.retcode": "0"])
            return machine.current ?? held
        }
        switch answer.retcode?.disposition {
        case .refreshGUID?:
            // Every GUID we hold is refused, yet the session is ours: take it back.
            metrics.sessionLost(.expired)
            logger.warning(
                "updateGuid refused; taking the session back with forceLogin", metadata: ["method": "updateGuid", "gateway.retcode": "\(code)"])
            return try await signInFlight.run { try await self.signIn(forcing: .staleGUID) }
        case .signInAgain?:
            // The session itself is gone: a plain sign-in (100-002 then follows sessions.forceLogin).
            await invalidate(generation: held.generation, reason: "updateGuid: \(code) (session gone)", retcode: answer.retcode, source: .updateGuid)
            return try await credentials()
        default:
            recordError("updateGuid: \(answer.summary)")
            throw SessionFailure(.unusableAnswer, "the gateway could not renew the GUID: \(answer.summary)", retcode: answer.retcode)
        }
    }

    #if DEBUG
    /// Installs a GUID as a new sign-in, without a gateway call (tests of the generation rules).
    func installForTest(guid: String) async {
        let (credentials, actions) = machine.signedIn(record(guid: guid, at: Self.nowMilliseconds()), takeover: nil)
        await began(credentials, counted: true)
        await execute(actions)
    }
    #endif
}
