import Logging
import ShimCore

/// One sign-in of an agent, following `SignInAttempt`'s rules (PROTOCOL.md §2.1, §2.2,
/// §8 pitfall 5), within `requestTimeout`, each call right after the sign-in guard
/// permitted it. What it learns goes to the session machine; runs on the session's
/// actor, single-flight (`AgentSession.credentials`).
struct SignInProcedure {
    /// Start with `forceLogin` for this reason (every GUID of our own session went stale).
    var forcing: TakeoverReason?

    func run(_ session: isolated AgentSession) async throws -> SessionMachine.Credentials {
        let settings = session.settings
        let logger = session.logger
        let agentID = session.agentID
        let deadline = ContinuousClock.now + settings.requestTimeout
        let permit = session.machine.startSignIn(try await session.signInGuard.permitSignIn(agentID))
        // A take-over learns the choice its callers made through the previous owner.
        if let shared = permit.desired { await session.execute(session.skills.adopt(shared)) }
        var attempt = SignInAttempt(
            agent: agentID, forcing: forcing, forceLoginAllowed: settings.forceLogin,
            ownSession: permit.ownSession, maxTransientRetries: settings.maxTransientRetries)
        var lossRecorded = false
        var guarded = true
        while true {
            // Every further sign-in session.call (a forcelogin after 100-002, a retry) is guarded again.
            if !guarded { _ = try await session.signInGuard.permitSignIn(agentID) }
            guarded = false
            let operation = attempt.operation
            let pause = settings.backoff(attempt: attempt.retries + 1)
            let step: SignInAttempt.Step
            let sentAt = SessionClock.nowMilliseconds()
            do throws(GatewayCallError) {
                let answer = try await session.call(
                    operation, guid: nil, body: Self.body(password: session.password, agent: session.agent), timeout: deadline.remaining)
                step = attempt.next(after: answer, canWait: deadline.remaining > pause)
            } catch {
                step = attempt.next(after: error, canWait: deadline.remaining > pause)
            }
            if attempt.answerLost, !lossRecorded {
                // Saved at once, so even a restart knows the 100-002 that may follow is ours.
                lossRecorded = true
                await session.execute(session.machine.signInAnswerLost(session.record(guid: nil, at: sentAt)))
            }
            switch step {
            case .signedIn(let guid):
                let (credentials, actions) = session.machine.signedIn(
                    session.record(guid: guid, at: SessionClock.nowMilliseconds()), takeover: attempt.takeover)
                session.began(credentials, counted: true)
                await session.execute(actions)
                session.metrics.signIn(session.machine.origin == .takenBack ? .takenBack : .success)
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
                session.recordError("\(operation.logName): \(failure.retcode?.rawValue ?? failure.message)")
                session.metrics.signIn(failure.kind == .signedInElsewhere ? .conflict : .failure)
                if failure.kind != .signedInElsewhere {
                    logger.warning(
                        "\(operation.logName) failed",
                        metadata: [
                            "method": "\(operation.logName)", "gateway.retcode": "\(failure.retcode?.rawValue ?? "none")",
                            "error": "\(failure.message)",
                        ])
                }
                await session.execute(
                    session.machine.signInFailed(mayPass: failure.mayPass, answerLost: attempt.answerLost, guardHadSession: permit.sessionExisted))
                throw failure
            }
        }
    }

    /// The sign-in body: password and phone from the agent's keys, then its extra `signIn` fields (PROTOCOL.md §2.1).
    static func body(password: String, agent: ShimConfig.Agent) -> JSONValue {
        var members: [(key: String, value: JSONValue)] = [("password", .string(password)), ("phonenum", .string(agent.phone))]
        for field in agent.signIn { members.append((field.name, field.value)) }
        return .object(members)
    }
}
