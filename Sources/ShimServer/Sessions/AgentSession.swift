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
    /// Where the session is saved for a restart (issue #10); nil: nothing is saved.
    let store: StateStore?
    /// Cluster mode (issue #11): who may sign the agent in; nil: a single process.
    let cluster: ClusterMember?
    /// The gateway ended the session (100-006 and the like): the cluster's record of it
    /// is stale until `ClusterMember.sessionEnded` removes it, so a sign-in now must not
    /// count it as the cluster's own.
    private var endedByGateway = false

    /// The GUID to send and the sign-in it belongs to.
    struct Credentials: Sendable, Equatable {
        let guid: String
        let generation: Int
    }

    private(set) var current: Credentials?
    private var generation = 0
    /// How the current session began, for `GET /v1/agents/{id}`.
    private(set) var origin: SessionOrigin?
    /// Identifies the current sign-in in the saved state.
    private var signInID = ""
    /// Set while a session resumed from the saved state waits for its first poll's answer.
    private var resumeTally: ResumeTally?
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
    /// The last sign-in was refused for a reason that will not pass by itself (a wrong
    /// password, 100-002 from someone else): nothing signs the agent in again unasked.
    private(set) var lastSignInRefused = false
    /// A sign-in was sent but its answer was lost (timeout, reset): the gateway may now
    /// hold a session of ours whose GUID we never saw.
    private var orphanedSignIn = false

    // Skills that stick (AgentSession+skills.swift).
    /// The last choice a caller's reset succeeded with; the configured default is `agent.skills`.
    var callerDesired: DesiredSkills?
    /// The last reset that succeeded in the current session (`appliedGeneration`).
    var applied: AppliedSkills?
    var appliedGeneration = 0
    /// A re-apply of this choice was refused in session `refusedGeneration` (000-002 and kin).
    var refused: (choice: SkillChoice, generation: Int, retcode: Retcode)?
    /// What the re-apply loop is doing, for the skills view.
    var reapplyState: ReapplyState = .idle
    /// The gateway's list of the agent's configured skills, and when it was read.
    var configuredCache: (skills: [ConfiguredSkill], at: ContinuousClock.Instant)?

    init(
        agent: ShimConfig.Agent, password: String, gateway: any GatewayTransport, settings: SessionSettings, pollers: PollerLauncher,
        metrics: ShimMetrics, logger: Logger, store: StateStore? = nil, cluster: ClusterMember? = nil
    ) {
        self.store = store
        self.cluster = cluster
        self.metrics = metrics
        self.agentID = agent.id
        self.agent = agent
        self.callerDesired = store?.desired(agent.id)
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
        let skillsChanged = agent.skills != self.agent.skills
        self.agent = agent
        self.password = password
        // A new default applies to a signed-in agent no caller has reset yet.
        if skillsChanged, let current { pollers.launch(self, generation: current.generation, kind: .keepSkills) }
    }

    /// Whether a reload changes what the next sign-in sends (or the agent's default skills).
    func credentialsDiffer(agent: ShimConfig.Agent, password: String) -> Bool {
        agent.phone != self.agent.phone || agent.signIn != self.agent.signIn || password != self.password || agent.skills != self.agent.skills
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
        origin = nil
        lastError = reason
        // The gateway said this session ended: it is no longer ours to take back.
        store?.remove(agentID)
        endedByGateway = true
        resumeTally?.report(.gone)
        resumeTally = nil
        metrics.sessionLost(ShimMetrics.lossReason(for: retcode))
        logger.warning("session lost", metadata: ["reason": "\(reason)"])
    }

    // MARK: Sign-in

    /// Signs in, following `SignInAttempt`'s rules (PROTOCOL.md §2.1, §2.2, §8 pitfall 5),
    /// within `requestTimeout`. `forcing`: start with `forceLogin` for this reason.
    private func signIn(forcing: TakeoverReason? = nil) async throws -> Credentials {
        let deadline = ContinuousClock.now + settings.requestTimeout
        // Cluster mode: nothing goes out before etcd confirms the agent's key is ours.
        var clusterHeldSession = false
        if let cluster {
            let permit = try await cluster.permitSignIn(agentID)
            clusterHeldSession = permit.sessionExisted && !endedByGateway
            endedByGateway = false
            // The cluster's record of the agent's desired skills: a member that takes the
            // agent over learns the choice made through its previous owner.
            if let shared = permit.desired { adoptDesired(shared) }
        }
        var attempt = SignInAttempt(
            agent: agentID, forcing: forcing, forceLoginAllowed: settings.forceLogin, ownSession: ownSessionEvidence(clusterHeldSession),
            maxTransientRetries: settings.maxTransientRetries)
        var lossRecorded = false
        var guarded = true
        while true {
            // Every further sign-in call (a forcelogin after 100-002, a retry) is guarded again.
            if let cluster, !guarded { _ = try await cluster.permitSignIn(agentID) }
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
                orphanedSignIn = true
                store?.record(agentID, SavedSession(guid: nil, cookies: nil, signIn: Self.newSignInID(), phone: agent.phone, contactAt: sentAt))
            }
            switch step {
            case .signedIn(let guid):
                lastSignInRefused = false
                let takenBack = attempt.takeover?.isOwnSession == true
                let credentials = install(guid: guid, origin: takenBack ? .takenBack : .signedIn)
                metrics.signIn(takenBack ? .takenBack : .success)
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
                lastSignInRefused = !failure.mayPass
                recordError("\(operation.logName): \(failure.retcode?.rawValue ?? failure.message)")
                if let cluster, !attempt.answerLost { await cluster.signInFailed(agentID, existed: clusterHeldSession) }
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

    /// Starts a new generation with `guid` and its poll loop, and saves it.
    /// `contactAt`: when the gateway last confirmed the session (now for a sign-in; the
    /// saved time for a resumed session, which nothing has confirmed yet).
    private func install(
        guid: String, origin: SessionOrigin, signInID: String = AgentSession.newSignInID(), contactAt: Int64 = AgentSession.nowMilliseconds()
    ) -> Credentials {
        orphanedSignIn = false
        generation += 1
        let credentials = Credentials(guid: guid, generation: generation)
        // A new gateway session is in none of the queues the callers chose (PROTOCOL.md §5.1);
        // a resumed one still has what was applied in it (`resume` sets it after this).
        applied = nil
        appliedGeneration = generation
        refused = nil
        current = credentials
        self.origin = origin
        self.signInID = signInID
        if origin != .resumed { signIns += 1 }
        rotations = 0
        guidIssuedAt = .now
        lastError = nil
        if origin == .takenBack { resumeTally?.report(.takenBack) }
        if origin != .resumed { resumeTally = nil }
        store?.record(
            agentID,
            SavedSession(guid: guid, cookies: cookies.cookieHeader, signIn: signInID, phone: agent.phone, contactAt: contactAt))
        pollers.launch(self, generation: generation)
        pollers.launch(self, generation: generation, kind: .keepSkills)
        return credentials
    }

    /// Resumes a session saved before a restart, without signing in (issue #10): its
    /// GUID and cookies become the current ones and its poll loop starts; the first
    /// poll's answer decides (0: ours and alive; 000-003: updateGuid; 100-006: gone).
    func resume(_ saved: SavedSession, tally: ResumeTally?) {
        guard current == nil, let guid = saved.guid else { return }
        cookies = CookieJar(cookieHeader: saved.cookies)
        resumeTally = tally
        _ = install(guid: guid, origin: .resumed, signInID: saved.signIn, contactAt: saved.contactAt)
        // The session lived on at the gateway with the queues its last reset joined.
        if let kept = saved.applied {
            applied = kept
            store?.setApplied(agentID, kept)
        }
        logger.info("session resumed from the saved state", metadata: ["session.generation": "\(generation)"])
    }

    /// What shows that a session the gateway holds for this agent is ours: a sign-in
    /// of ours whose answer was lost, or the saved state (`SavedSession.takeoverReason`);
    /// in cluster mode, instead of the saved state, etcd's record that the cluster holds
    /// a session for the agent, read by the guard that let this sign-in go out
    /// (`AgentOwnership.takeoverReason`).
    private func ownSessionEvidence(_ clusterHeldSession: Bool) -> TakeoverReason? {
        if orphanedSignIn { return .lostAnswer }
        if cluster != nil { return clusterHeldSession ? .clusterSession : nil }
        return store?.session(agentID)?.takeoverReason(now: Self.nowMilliseconds(), unpolledSignOut: settings.unpolledSignOut)
    }

    /// Milliseconds since 1970, the saved state's clock (it must survive a restart).
    static func nowMilliseconds() -> Int64 { Int64((Date().timeIntervalSince1970 * 1000).rounded()) }

    /// A random id for one sign-in.
    static func newSignInID() -> String { String(UInt64.random(in: .min ... .max), radix: 36) }

    #if DEBUG
    /// Installs a GUID as a new sign-in, without a gateway call (tests of the generation rules).
    func installForTest(guid: String) { _ = install(guid: guid, origin: .signedIn) }
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
        if !answer.setCookies.isEmpty {
            for cookie in answer.setCookies { cookies.store(setCookie: cookie) }
            if current != nil { store?.update(agentID) { [cookies] in $0.cookies = cookies.cookieHeader } }
        }
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
        store?.update(agentID) { $0.guid = guid }
        rotations += 1
        guidIssuedAt = .now
        metrics.rotation()
    }

    func recordError(_ text: String) { lastError = text }

    // MARK: Polling and status

    /// Records a successful poll.
    func polled() {
        let now = Date()
        lastPollAt = now
        store?.touch(agentID, contactAt: Int64((now.timeIntervalSince1970 * 1000).rounded()))
        resumeTally?.report(.resumed)
        resumeTally = nil
    }

    /// Closes the session at shutdown: no new sign-in starts, a sign-in already
    /// under way is waited for (so its session is not left behind at the
    /// gateway), then the agent is signed out (`logout`) if `signOut` is set.
    func close(signOut: Bool) async {
        closed = true
        await signInFlight.waitIfRunning()
        await refreshFlight.waitIfRunning()
        if signOut { await self.signOut() }
    }

    /// Cluster mode: stops acting for the agent because another member holds it now:
    /// the poll loop ends, nothing is signed out (the session is the new owner's).
    func drop(reason: String) {
        guard current != nil else { return }
        current = nil
        origin = nil
        lastError = reason
        store?.remove(agentID)
        logger.notice("stopped acting for the agent; no logout", metadata: ["reason": "\(reason)"])
    }

    /// Whether the agent has a session here.
    var isActive: Bool { current != nil }

    /// Signs the agent out (`logout`) if it is signed in.
    func signOut() async {
        guard let held = current else { return }
        current = nil
        origin = nil
        defer { store?.remove(agentID) }
        if let cluster { await cluster.signedOut(agentID) }
        do throws(GatewayCallError) {
            let answer = try await call(.logout(agentID), guid: held.guid, timeout: settings.signOutTimeout)
            logger.info("logout", metadata: ["method": "logout", "gateway.retcode": "\(answer.retcode?.rawValue ?? "http \(answer.status)")"])
        } catch {
            logger.warning("logout failed", metadata: ["method": "logout", "error": "\(error.message)"])
        }
    }

    /// Whether the agent is signed in and its GUID's age in seconds (0 when not signed
    /// in): what the periodic session gauges need, cheaply.
    func gauge() -> (signedIn: Bool, guidAgeSeconds: Double, skillsOutOfSync: Bool) {
        let outOfSync = skillsInSync == false
        guard current != nil, let guidIssuedAt else { return (current != nil, 0, outOfSync) }
        return (true, Self.seconds(guidIssuedAt.duration(to: .now)), outOfSync)
    }

    /// The agent's status for the API.
    func status() -> AgentStatus {
        AgentStatus(
            agentId: agentID.rawValue,
            signedIn: current != nil,
            sessionOrigin: current == nil ? nil : origin?.rawValue,
            authMode: settings.authMode.rawValue,
            guidAgeSeconds: current == nil ? nil : guidIssuedAt.map { Self.seconds($0.duration(to: .now)) },
            lastPollAt: lastPollAt.map(Date.rfc3339),
            signIns: signIns,
            rotations: rotations,
            lastError: lastError,
            skillsInSync: skillsInSync
        )
    }

    private static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}
