import Foundation
import Logging
import ShimCore

/// The one owner of an agent's gateway session and of its I/O.
///
/// Every request for the agent goes through here, so requests never race each other
/// into the gateway: sign-in and GUID refresh are single-flight, resetskill calls pass
/// one at a time (`resetLock`). What the session *is* and what to do when something
/// happens to it is decided by pure state: `SessionMachine` (sign-ins, generations,
/// the saved record, when to sign in again), `SkillKeeper` (desired and applied skills)
/// and `AgentStatusView` (what the API shows). This actor feeds them what happened and
/// carries out the actions they return (`execute`); the loops of a sign-in are
/// `SessionPoller` and `SkillReapplier`. The cluster is behind `SignInGuard`.
actor AgentSession {
    nonisolated let agentID: AgentID
    private(set) var agent: ShimConfig.Agent
    private(set) var password: String
    let gateway: any GatewayTransport
    let settings: SessionSettings
    let logger: Logger
    let metrics: ShimMetrics
    private let pollers: PollerLauncher
    /// Where the session is saved for a restart; nil: nothing is saved.
    private let store: StateStore?
    /// Who may sign the agent in, and who is told what became of its session.
    let signInGuard: any SignInGuard
    /// Where the agent's events go (the polled ones and the shim's own); nil: nowhere.
    let events: EventHub?

    // The session's state. Their fields are private to them: the session changes them
    // only by feeding them inputs (here and in the extensions) and carrying out what they return.
    var machine: SessionMachine
    var skills: SkillKeeper
    private(set) var view = AgentStatusView()
    private(set) var cookies = CookieJar()
    /// Set while a session resumed from the saved state waits for its first poll's answer.
    private var resumeTally: ResumeTally?
    /// The gateway's list of the agent's configured skills, and when it was read.
    var configuredCache: (skills: [ConfiguredSkill], at: ContinuousClock.Instant)?
    let signInFlight = SingleFlight<Credentials>()
    let refreshFlight = SingleFlight<Credentials>()
    /// At most one resetskill per agent in flight (PROTOCOL.md §7: the gateway refuses repeats before an answer).
    nonisolated let resetLock = AsyncFIFOLock()

    typealias Credentials = SessionMachine.Credentials

    init(
        agent: ShimConfig.Agent, password: String, gateway: any GatewayTransport, settings: SessionSettings, pollers: PollerLauncher,
        metrics: ShimMetrics, logger: Logger, store: StateStore? = nil, signInGuard: (any SignInGuard)? = nil, owned: Bool = true,
        events: EventHub? = nil
    ) {
        self.store = store
        self.events = events
        self.signInGuard = signInGuard ?? LocalSignInGuard(store: store, unpolledSignOut: settings.unpolledSignOut)
        self.metrics = metrics
        self.agentID = agent.id
        self.agent = agent
        self.password = password
        self.gateway = gateway
        self.settings = settings
        self.pollers = pollers
        self.machine = SessionMachine(policy: settings.policy, owned: owned)
        self.skills = SkillKeeper(callerDesired: store?.desired(agent.id), configured: agent.skills)
        var logger = logger
        logger[metadataKey: "agent.id"] = "\(agent.id)"
        self.logger = logger
    }

    /// New phone, password or sign-in fields from a reload; used at the next sign-in.
    func updateCredentials(agent: ShimConfig.Agent, password: String) {
        self.agent = agent
        self.password = password
        // A new default applies to a signed-in agent no caller has reset yet.
        if skills.configure(agent.skills), let current { pollers.launch(self, generation: current.generation, kind: .keepSkills) }
    }

    /// Whether a reload changes what the next sign-in sends (or the agent's default skills).
    func credentialsDiffer(agent: ShimConfig.Agent, password: String) -> Bool {
        agent.phone != self.agent.phone || agent.signIn != self.agent.signIn || password != self.password || agent.skills != self.agent.skills
    }

    /// The current credentials, nil when the agent has no session here.
    var current: Credentials? { machine.current }

    /// Whether the agent has a session here.
    var isActive: Bool { machine.current != nil }

    /// The last sign-in was refused for a reason that will not pass by itself.
    var lastSignInRefused: Bool { machine.lastSignInRefused }

    // MARK: Carrying out

    /// Carries out what the session machine decided, in order.
    func execute(_ actions: [SessionMachine.Action]) async {
        for action in apply(actions) {
            switch action {
            case .tellGuardEnded: await signInGuard.sessionEnded(agentID)
            case .tellGuardSignInFailed(let existed): await signInGuard.signInFailed(agentID, existed: existed)
            case .tellGuardSignedOut: await signInGuard.signedOut(agentID)
            case .signInAgain(let reason): await SignInAgain(reason: reason).run(self)
            default: break
            }
        }
    }

    /// Carries out the actions that need no waiting (the state file, the loops, metrics,
    /// the status) and returns the others, in order. Synchronous on purpose: the poll loop's
    /// answers (`polled`, `replaceGUID`) never wait, so each agent's long-lived poll task
    /// keeps no large async frame (docs/BENCHMARKS.md, "Where the bytes of a held agent go").
    @discardableResult
    func apply(_ actions: [SessionMachine.Action]) -> [SessionMachine.Action] {
        var later: [SessionMachine.Action] = []
        for action in actions {
            switch action {
            case .save(let record): store?.record(agentID, record)
            case .saveGUID(let guid): store?.update(agentID) { $0.guid = guid }
            case .saveCookies(let header): store?.update(agentID) { $0.cookies = header }
            case .saveContact(let at): store?.touch(agentID, contactAt: at)
            case .forgetSaved: store?.remove(agentID)
            case .startLoops(let generation):
                pollers.launch(self, generation: generation)
                pollers.launch(self, generation: generation, kind: .keepSkills)
            case .reportResume(let result):
                resumeTally?.report(result)
                resumeTally = nil
            case .countLoss(let retcode): metrics.sessionLost(ShimMetrics.lossReason(for: retcode))
            case .countRotation:
                view.rotated()
                metrics.rotation()
            case .announce(let news):
                let event = OwnEvent(news)
                events?.publishOwn(agentID, type: event.type, details: event.details)
            case .tellGuardEnded, .tellGuardSignInFailed, .tellGuardSignedOut, .signInAgain: later.append(action)
            }
        }
        return later
    }

    /// Carries out what the skill keeper decided.
    func execute(_ actions: [SkillKeeper.Action]) async {
        for action in actions {
            switch action {
            case .saveApplied(let applied): store?.setApplied(agentID, applied)
            case .saveDesired(let desired): store?.setDesired(agentID, desired)
            case .shareDesired(let desired, let changed): await signInGuard.desiredChanged(agentID, desired, changed: changed)
            }
        }
    }

    /// A session began (signed in, taken back or resumed): the skills and the status follow
    /// (a beginning only saves: nothing to wait for).
    func began(_ credentials: Credentials, kept: AppliedSkills? = nil, counted: Bool) {
        view.sessionBegan(counted: counted)
        for case .saveApplied(let applied) in skills.sessionBegan(generation: credentials.generation, kept: kept) {
            store?.setApplied(agentID, applied)
        }
    }

    // MARK: Session events

    /// Resumes a session saved before a restart, without signing in (issue #10): the
    /// first poll's answer decides (0: ours and alive; 000-003: updateGuid; 100-006: gone).
    func resume(_ saved: SavedSession, tally: ResumeTally?) async {
        guard let (credentials, actions) = machine.resumed(saved) else { return }
        cookies = CookieJar(cookieHeader: saved.cookies)
        resumeTally = tally
        began(credentials, kept: saved.applied, counted: false)
        apply(actions)
        logger.info("session resumed from the saved state", metadata: ["session.generation": "\(credentials.generation)"])
    }

    /// Forgets the session of `generation`: the gateway said it is gone (`source`: in
    /// answer to what). A stale generation changes nothing.
    func invalidate(generation: Int, reason: String, retcode: Retcode? = nil, source: SessionMachine.EndSource = .resetSkill) async {
        guard machine.current?.generation == generation else { return }
        view.failed(reason)
        logger.warning("session lost", metadata: ["reason": "\(reason)"])
        await execute(machine.ended(generation: generation, source: source, retcode: retcode))
    }

    /// An answer of `generation` carried a new GUID (AUTHMODE 2 rotation, updateGuid).
    func replaceGUID(_ guid: String, generation: Int) {
        apply(machine.guidReceived(guid, generation: generation))
    }

    /// A poll of `generation` answered 0.
    func polled(generation: Int) {
        let now = Date()
        view.polled(at: now)
        apply(machine.polled(generation: generation, now: SessionClock.milliseconds(now)))
    }

    func recordError(_ text: String) { view.failed(text) }

    /// Cluster mode: this member (`to`) holds the agent's key now; subscribers hear of a
    /// change of owner (`ccgw.owner.changed`), before the new owner's first event.
    func adopt(from: String?, to: String) {
        machine.adopted()
        guard from != to else { return }
        let event = OwnEvent.ownerChanged(from: from, to: to)
        events?.publishOwn(agentID, type: event.type, details: event.details)
    }

    /// Cluster mode: stops acting for the agent because another member holds it now:
    /// the poll loop ends, nothing is signed out (the session is the new owner's).
    func drop(reason: String) async {
        let actions = machine.dropped()
        guard !actions.isEmpty else { return }
        view.failed(reason)
        logger.notice("stopped acting for the agent; no logout", metadata: ["reason": "\(reason)"])
        await execute(actions)
    }

    /// Closes the session at shutdown: no new sign-in starts, a sign-in already under way
    /// is waited for (so its session is not left behind at the gateway), then the agent
    /// is signed out (`logout`, PROTOCOL.md §2.3) if `signOut` is set.
    func close(signOut: Bool) async {
        machine.close()
        await signInFlight.waitIfRunning()
        await refreshFlight.waitIfRunning()
        if signOut { await SignOut().run(self) }
    }

    // MARK: Calls

    /// One gateway call with the agent's cookies; keeps any cookie and GUID the answer carries.
    func call(
        _ operation: GatewayOperation, guid: String?, body: JSONValue? = nil, timeout: Duration
    ) async throws(GatewayCallError) -> GatewayAnswer {
        let generationAtSend = machine.current?.generation
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
            apply(machine.cookiesChanged(cookies.cookieHeader))
        }
        // A robust client takes Set-GUID from any answer, not only polls (PROTOCOL.md §3.2).
        // Sign-in GUIDs are installed by signIn; others update the generation they were sent under.
        if operation.needsGUID, let guid = answer.newGUID, let generationAtSend {
            replaceGUID(guid, generation: generationAtSend)
        }
        return answer
    }

    // MARK: Status

    /// Whether the agent is signed in, its GUID's age in seconds, and whether it is out of
    /// sync or signed out unexpectedly: what the periodic gauges need, cheaply.
    func gauge() -> SessionGauge {
        let signedIn = machine.current != nil
        return SessionGauge(
            signedIn: signedIn, guidAgeSeconds: view.guidAge(signedIn: signedIn) ?? 0,
            skillsOutOfSync: skills.inSync(in: machine.current?.generation) == false, signedOutUnexpectedly: machine.signedOutUnexpectedly)
    }

    /// The agent's status for the API.
    func status() -> AgentStatus {
        view.status(agent: agentID, authMode: settings.authMode, machine: machine, skillsInSync: skills.inSync(in: machine.current?.generation))
    }
}
