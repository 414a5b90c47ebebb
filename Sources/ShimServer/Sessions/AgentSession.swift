import Foundation
import Logging
import ShimCore

/// The one owner of an agent's gateway session: its GUID, cookies and sign-in state.
///
/// Every request for the agent goes through here, so requests never race each
/// other into the gateway: sign-in and GUID refresh are single-flight, and
/// resetskill calls pass one at a time (`resetLock`). Each sign-in starts a new
/// *generation*; a poll loop or a late answer that belongs to an older generation
/// can no longer change the session (a late 100-006 from the previous session's
/// poll must not end the new one). The rules of each step are decided by the
/// state machines of ShimCore (`SignInAttempt`, `ResetSkillRecovery`); this actor
/// holds the state and makes the calls.
actor AgentSession {
    nonisolated let agentID: AgentID
    private(set) var agent: ShimConfig.Agent
    private var password: String
    let gateway: any GatewayTransport
    let settings: SessionSettings
    let logger: Logger
    let metrics: ShimMetrics
    private let pollers: PollerLauncher

    /// The GUID to send and the sign-in it belongs to.
    struct Credentials: Sendable, Equatable {
        let guid: String
        let generation: Int
    }

    private(set) var current: Credentials?
    private var generation = 0
    private(set) var cookies = CookieJar()
    private let signInFlight = SingleFlight<Credentials>()
    private let refreshFlight = SingleFlight<Credentials>()
    /// At most one resetskill per agent in flight (PROTOCOL.md §7: the gateway refuses repeats before an answer).
    nonisolated let resetLock = AsyncFIFOLock()

    // Status, for /v1/agents.
    private var signIns = 0
    private var rotations = 0
    private var guidIssuedAt: ContinuousClock.Instant?
    private var lastPollAt: Date?
    private(set) var lastError: String?
    /// Set at shutdown: no new sign-in starts after it.
    private var closed = false
    /// A sign-in was sent but its answer was lost (timeout, reset): the gateway may now
    /// hold a session of ours whose GUID we never saw.
    private var orphanedSignIn = false

    init(
        agent: ShimConfig.Agent, password: String, gateway: any GatewayTransport, settings: SessionSettings, pollers: PollerLauncher,
        metrics: ShimMetrics, logger: Logger
    ) {
        self.metrics = metrics
        self.agentID = agent.id
        self.agent = agent
        self.password = password
        self.gateway = gateway
        self.settings = settings
        self.pollers = pollers
        var logger = logger
        logger[metadataKey: "agent.id"] = "\(agent.id)"
        self.logger = logger
    }

    /// New phone, password or sign-in fields from a reload; used at the next sign-in.
    func updateCredentials(agent: ShimConfig.Agent, password: String) {
        self.agent = agent
        self.password = password
    }

    /// Whether a reload changes what the next sign-in sends.
    func credentialsDiffer(agent: ShimConfig.Agent, password: String) -> Bool {
        agent.phone != self.agent.phone || agent.signIn != self.agent.signIn || password != self.password
    }

    // MARK: Credentials

    /// The current credentials, signing in first (single-flight) if there are none.
    /// Throws `SessionFailure`.
    func credentials() async throws -> Credentials {
        if let current { return current }
        guard !closed else { throw SessionFailure(.closed, "the shim is shutting down") }
        return try await signInFlight.run { try await self.signIn() }
    }

    /// Makes sure the agent is signed in (used at start-up when `signInAtStartup`).
    func ensureSignedIn() async throws {
        _ = try await credentials()
    }

    /// Gets a fresh GUID after the gateway refused one (000-003), single-flight.
    ///
    /// First `updateGuid` with the newest GUID held (PROTOCOL.md §3.3); if the
    /// gateway refuses that too, `forcelogin`: it is the shim's own session that
    /// went stale, so taking it back displaces no one else.
    func refreshGUID(after stale: Credentials) async throws -> Credentials {
        if let current, current != stale { return current }  // someone already refreshed it
        return try await refreshFlight.run { try await self.performRefresh(stale: stale) }
    }

    private func performRefresh(stale: Credentials) async throws -> Credentials {
        guard let held = current, held.generation == stale.generation else {
            return try await credentials()
        }
        let answer: GatewayAnswer
        do throws(GatewayCallError) {
            answer = try await call(.updateGuid(agentID), guid: held.guid, timeout: settings.requestTimeout)
        } catch {
            recordError("updateGuid: \(error.message)")
            throw SessionFailure(error)
        }
        if answer.retcode == .success, let guid = answer.decoded?.updatedGUID ?? answer.newGUID {
            replaceGUID(guid, generation: held.generation)
            logger.info("updateGuid", metadata: ["method": "updateGuid", "gateway.retcode": "0"])
            return current ?? held
        }
        switch answer.retcode?.disposition {
        case .refreshGUID?:
            // Every GUID we hold is refused, yet the session is ours: take it back.
            metrics.sessionLost(.expired)
            logger.warning(
                "updateGuid refused; taking the session back with forceLogin",
                metadata: ["method": "updateGuid", "gateway.retcode": "\(answer.retcode?.rawValue ?? "")"])
            return try await signInFlight.run { try await self.signIn(forcing: .staleGUID) }
        case .signInAgain?:
            // The session itself is gone: a plain sign-in (100-002 then follows sessions.forceLogin).
            invalidate(generation: held.generation, reason: "updateGuid: \(answer.retcode?.rawValue ?? "") (session gone)", retcode: answer.retcode)
            return try await credentials()
        default:
            recordError("updateGuid: \(answer.summary)")
            throw SessionFailure(.unusableAnswer, "the gateway could not renew the GUID: \(answer.summary)", retcode: answer.retcode)
        }
    }

    /// Forgets the session of `generation` (the gateway said it is gone); the next
    /// request signs in again. A stale generation changes nothing.
    func invalidate(generation: Int, reason: String, retcode: Retcode? = nil) {
        guard let current, current.generation == generation else { return }
        self.current = nil
        lastError = reason
        metrics.sessionLost(ShimMetrics.lossReason(for: retcode))
        logger.warning("session lost", metadata: ["reason": "\(reason)"])
    }

    // MARK: Sign-in

    /// Signs in, following `SignInAttempt`'s rules (PROTOCOL.md §2.1, §2.2, §8 pitfall 5),
    /// within `requestTimeout`. `forcing`: start with `forceLogin` for this reason.
    private func signIn(forcing: TakeoverReason? = nil) async throws -> Credentials {
        let deadline = ContinuousClock.now + settings.requestTimeout
        var attempt = SignInAttempt(
            agent: agentID, forcing: forcing, forceLoginAllowed: settings.forceLogin, ownSession: orphanedSignIn ? .lostAnswer : nil,
            maxTransientRetries: settings.maxTransientRetries)
        while true {
            let operation = attempt.operation
            let pause = settings.backoff(attempt: attempt.retries + 1)
            let step: SignInAttempt.Step
            do throws(GatewayCallError) {
                let answer = try await call(operation, guid: nil, body: signInBody(), timeout: deadline.remaining)
                step = attempt.next(after: answer, canWait: deadline.remaining > pause)
            } catch {
                step = attempt.next(after: error, canWait: deadline.remaining > pause)
            }
            if attempt.answerLost { orphanedSignIn = true }
            switch step {
            case .signedIn(let guid):
                let credentials = install(guid: guid)
                metrics.signIn(.success)
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
                if failure.kind == .signedInElsewhere {
                    metrics.signIn(.conflict)
                } else {
                    metrics.signIn(.failure)
                    logger.warning(
                        "\(operation.logName) failed",
                        metadata: [
                            "method": "\(operation.logName)", "gateway.retcode": "\(failure.retcode?.rawValue ?? "none")",
                            "error": "\(failure.message)",
                        ])
                }
                throw failure
            }
        }
    }

    /// The sign-in body: password and phone from the agent's keys, then its extra `signIn` fields (PROTOCOL.md §2.1).
    private func signInBody() -> JSONValue {
        var members: [(key: String, value: JSONValue)] = [("password", .string(password)), ("phonenum", .string(agent.phone))]
        for field in agent.signIn { members.append((field.name, field.value)) }
        return .object(members)
    }

    /// Starts a new generation with `guid` and its poll loop.
    private func install(guid: String) -> Credentials {
        orphanedSignIn = false
        generation += 1
        let credentials = Credentials(guid: guid, generation: generation)
        current = credentials
        signIns += 1
        rotations = 0
        guidIssuedAt = .now
        lastError = nil
        pollers.launch(self, generation: generation)
        return credentials
    }

    #if DEBUG
    /// Installs a GUID as a new sign-in, without a gateway call (tests of the generation rules).
    func installForTest(guid: String) { _ = install(guid: guid) }
    #endif

    // MARK: Calls

    /// One gateway call with the agent's cookies; keeps any cookie and GUID the answer carries.
    func call(
        _ operation: GatewayOperation, guid: String?, body: JSONValue? = nil, timeout: Duration
    ) async throws(GatewayCallError) -> GatewayAnswer {
        let generationAtSend = current?.generation
        let answer: GatewayAnswer
        let started = ContinuousClock.now
        do {
            answer = try await gateway.send(operation, guid: guid, cookies: cookies.cookieHeader, body: body, timeout: timeout)
        } catch {
            metrics.gatewayCall(operation, result: ShimMetrics.result(of: error), duration: ContinuousClock.now - started)
            throw error
        }
        metrics.gatewayCall(operation, result: ShimMetrics.result(of: answer), duration: ContinuousClock.now - started)
        for cookie in answer.setCookies { cookies.store(setCookie: cookie) }
        // A robust client takes Set-GUID from any answer, not only polls (PROTOCOL.md §3.2).
        // Sign-in GUIDs are installed by signIn; others update the generation they were sent under.
        if operation.needsGUID, let guid = answer.newGUID, let generationAtSend {
            replaceGUID(guid, generation: generationAtSend)
        }
        return answer
    }

    /// Replaces the GUID of `generation` atomically (AUTHMODE 2 rotation, updateGuid).
    func replaceGUID(_ guid: String, generation: Int) {
        guard let current, current.generation == generation, current.guid != guid else { return }
        self.current = Credentials(guid: guid, generation: generation)
        rotations += 1
        guidIssuedAt = .now
        metrics.rotation()
    }

    func recordError(_ text: String) { lastError = text }

    // MARK: Polling and status

    /// Records a successful poll.
    func polled() { lastPollAt = Date() }

    /// Closes the session at shutdown: no new sign-in starts, a sign-in already
    /// under way is waited for (so its session is not left behind at the
    /// gateway), then the agent is signed out (`logout`) if `signOut` is set.
    func close(signOut: Bool) async {
        closed = true
        await signInFlight.waitIfRunning()
        await refreshFlight.waitIfRunning()
        if signOut { await self.signOut() }
    }

    /// Signs the agent out (`logout`) if it is signed in.
    func signOut() async {
        guard let held = current else { return }
        current = nil
        do throws(GatewayCallError) {
            let answer = try await call(.logout(agentID), guid: held.guid, timeout: settings.signOutTimeout)
            logger.info("logout", metadata: ["method": "logout", "gateway.retcode": "\(answer.retcode?.rawValue ?? "http \(answer.status)")"])
        } catch {
            logger.warning("logout failed", metadata: ["method": "logout", "error": "\(error.message)"])
        }
    }

    /// Whether the agent is signed in and its GUID's age in seconds (0 when not signed
    /// in): what the periodic session gauges need, cheaply.
    func gauge() -> (signedIn: Bool, guidAgeSeconds: Double) {
        guard current != nil, let guidIssuedAt else { return (current != nil, 0) }
        return (true, Self.seconds(guidIssuedAt.duration(to: .now)))
    }

    /// The agent's status for the API.
    func status() -> AgentStatus {
        AgentStatus(
            agentId: agentID.rawValue,
            signedIn: current != nil,
            authMode: settings.authMode.rawValue,
            guidAgeSeconds: current == nil ? nil : guidIssuedAt.map { Self.seconds($0.duration(to: .now)) },
            lastPollAt: lastPollAt.map(Date.rfc3339),
            signIns: signIns,
            rotations: rotations,
            lastError: lastError
        )
    }

    private static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}
