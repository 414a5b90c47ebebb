/// One agent's gateway session as a state machine: which sign-in is current (its GUID
/// and generation), how it began, whether the shim is meant to hold the agent, and
/// what to do when something happens to it.
///
/// Each mutating method takes one input (a sign-in answer, a poll answer, a GUID from
/// any answer, the gateway ending the session, the cluster dropping the agent, a
/// shutdown) and returns the `Action`s that carry it out. `AgentSession` owns the I/O:
/// it feeds the inputs and executes the actions (save, start the loops, tell the
/// sign-in guard, sign in again), in order. Nothing here reads a clock: times come in.
///
/// Generations keep late answers harmless: every input that names a generation
/// changes nothing unless that generation is still the current one (a 100-006 from
/// the previous sign-in's poll must not end the new session).
public struct SessionMachine: Sendable {
    /// The GUID to send and the sign-in it belongs to.
    public struct Credentials: Sendable, Equatable {
        public let guid: String
        public let generation: Int

        public init(guid: String, generation: Int) {
            self.guid = guid
            self.generation = generation
        }
    }

    /// The session rules an operator chooses (`sessions.*`).
    public struct Policy: Sendable, Equatable {
        /// `sessions.signInAtStartup`: every agent this process holds is signed in at start.
        public var signInAtStartup: Bool
        /// `sessions.keepSignedIn`: sign in again at once when the gateway ends a session.
        public var keepSignedIn: Bool

        public init(signInAtStartup: Bool = false, keepSignedIn: Bool = false) {
            self.signInAtStartup = signInAtStartup
            self.keepSignedIn = keepSignedIn
        }
    }

    /// What became of a session resumed from the saved state, once its first poll answered.
    public enum ResumeResult: String, Sendable, Equatable {
        case resumed
        case gone
        case takenBack = "taken_back"
    }

    /// Why the shim signs an agent in by itself after the gateway ended its session.
    public enum SignInAgainReason: String, Sendable, Equatable {
        /// `sessions.keepSignedIn`.
        case keepSignedIn
        /// A session resumed after a restart was gone at its first poll: the start-up
        /// sign-in (`sessions.signInAtStartup`) skipped the agent because of it, so it
        /// is signed in now, as the start-up would have.
        case startupAfterResume
    }

    /// Where the gateway said the session ended.
    public enum EndSource: Sendable, Equatable {
        /// The event poll (`getAgentEvent`): nobody is waiting on the session.
        case poll
        /// A caller's or a re-apply's resetskill, which signs in again itself and replays.
        case resetSkill
        /// `updateGuid`, whose caller signs in again itself.
        case updateGuid
    }

    /// What `AgentSession` carries out, in order.
    public enum Action: Sendable, Equatable {
        /// Save this record as the agent's session (state file).
        case save(SavedSession)
        /// The saved session's GUID changed.
        case saveGUID(String)
        /// The saved session's cookies changed (the `Cookie` header value).
        case saveCookies(String?)
        /// The saved session was confirmed alive by the gateway at this time (ms since 1970).
        case saveContact(Int64)
        /// The session ended or was given up: forget the saved record.
        case forgetSaved
        /// Start the event poll loop and the skill keeper of this generation.
        case startLoops(generation: Int)
        /// Report what became of a resumed session (the start-up line, metrics).
        case reportResume(ResumeResult)
        /// Count a session the gateway ended, with its retcode (metrics, status).
        case countLoss(Retcode?)
        /// Count a GUID rotation (metrics, status).
        case countRotation
        /// Tell the sign-in guard the gateway ended the session (cluster: ask etcd whether the agent is still ours).
        case tellGuardEnded
        /// Tell the sign-in guard a sign-in it permitted was refused (`existed`: the guard had seen a session).
        case tellGuardSignInFailed(existed: Bool)
        /// Tell the sign-in guard the agent was signed out.
        case tellGuardSignedOut
        /// Sign the agent in again now, by itself.
        case signInAgain(SignInAgainReason)
        /// Tell the event subscribers (`ccgw.session.*`).
        case announce(SessionNews)
    }

    public let policy: Policy
    /// The current sign-in; nil when the agent has no session here.
    public private(set) var current: Credentials?
    /// How the current session began.
    public private(set) var origin: SessionOrigin?
    /// The last generation handed out (0: none yet).
    public private(set) var generation = 0
    /// Set at shutdown: no new sign-in starts after it.
    public private(set) var closed = false
    /// The last sign-in was refused for a reason that will not pass by itself (a wrong
    /// password, 100-002 from someone else): nothing signs the agent in again unasked.
    public private(set) var lastSignInRefused = false
    /// Whether this process acts for the agent (always in a single process; in a cluster,
    /// while this member holds the agent's key).
    public private(set) var owned: Bool
    /// A sign-in was sent but its answer was lost: the gateway may hold a session of ours
    /// whose GUID we never saw (a 100-002 that follows is ours).
    private var orphanedSignIn = false
    /// The gateway said our session ended: a record of it (the saved state, the
    /// cluster's session key) no longer proves that a 100-002 is ours.
    private var endedByGateway = false
    /// A resumed session waits for its first poll's answer.
    private var resumePending = false
    /// The shim signed the agent in (or resumed it) at least once.
    private var everHeld = false

    /// `owned`: whether this process acts for the agent from the start (false for a
    /// cluster member until it holds the agent's key: `adopted()`).
    public init(policy: Policy, owned: Bool = true) {
        self.policy = policy
        self.owned = owned
    }

    /// Whether the shim is meant to hold the agent's session now: it acts for the agent
    /// and either signs it in at start (`signInAtStartup`) or keeps it signed in
    /// (`keepSignedIn`, once it held it). An agent meant to be held but not signed in is
    /// what operators must see (`GET /v1/agents`, `ccgw_agents_signed_out_unexpectedly`).
    public var holdExpected: Bool {
        !closed && owned && (policy.signInAtStartup || (policy.keepSignedIn && everHeld))
    }

    /// Whether the agent is meant to be held and is not.
    public var signedOutUnexpectedly: Bool { holdExpected && current == nil }

    // MARK: Sign-in

    /// A sign-in starts with what the sign-in guard found (`permit`); returns what the
    /// sign-in may rely on: a sign-in of ours whose answer was lost is our own session
    /// whatever the guard says; a record the gateway has since said ended proves nothing.
    public mutating func startSignIn(_ permit: SignInPermit) -> SignInPermit {
        defer { endedByGateway = false }
        var seen = permit
        if endedByGateway {
            seen.ownSession = nil
            seen.sessionExisted = false
        }
        if orphanedSignIn { seen.ownSession = .lostAnswer }
        return seen
    }

    /// A sign-in call reached the gateway but its answer did not reach us.
    public mutating func signInAnswerLost(_ record: SavedSession) -> [Action] {
        orphanedSignIn = true
        return [.save(record)]
    }

    /// The gateway signed the agent in with `record.guid` (login or forceLogin for `takeover`).
    public mutating func signedIn(_ record: SavedSession, takeover: TakeoverReason?) -> (Credentials, [Action]) {
        let origin: SessionOrigin = takeover?.isOwnSession == true ? .takenBack : .signedIn
        var actions: [Action] = []
        if resumePending, origin == .takenBack { actions.append(.reportResume(.takenBack)) }
        lastSignInRefused = false
        let credentials = begin(guid: record.guid ?? "", origin: origin)
        actions += [.save(record), .announce(.began(origin)), .startLoops(generation: credentials.generation)]
        return (credentials, actions)
    }

    /// A sign-in failed (`mayPass`: for a reason that may pass). `answerLost`: a call of
    /// it may have reached the gateway; `guardHadSession`: the guard had seen a session.
    public mutating func signInFailed(mayPass: Bool, answerLost: Bool, guardHadSession: Bool) -> [Action] {
        lastSignInRefused = !mayPass
        return answerLost ? [] : [.tellGuardSignInFailed(existed: guardHadSession)]
    }

    /// Resumes a session saved before a restart, without signing in; nil when a session
    /// is already current or the record has no GUID. Its first poll decides.
    public mutating func resumed(_ saved: SavedSession) -> (Credentials, [Action])? {
        guard current == nil, let guid = saved.guid else { return nil }
        owned = true
        let credentials = begin(guid: guid, origin: .resumed)
        resumePending = true
        return (credentials, [.save(saved), .announce(.began(.resumed)), .startLoops(generation: credentials.generation)])
    }

    private mutating func begin(guid: String, origin: SessionOrigin) -> Credentials {
        orphanedSignIn = false
        resumePending = false
        everHeld = true
        generation += 1
        let credentials = Credentials(guid: guid, generation: generation)
        current = credentials
        self.origin = origin
        return credentials
    }

    // MARK: Answers

    /// An answer sent under `generation` carried a new GUID (`Set-GUID`, PROTOCOL.md
    /// §3.2, or `updateGuid`'s result): it replaces the current one atomically.
    public mutating func guidReceived(_ guid: String, generation: Int) -> [Action] {
        guard let current, current.generation == generation, current.guid != guid else { return [] }
        self.current = Credentials(guid: guid, generation: generation)
        return [.saveGUID(guid), .countRotation]
    }

    /// An answer set cookies; the agent's jar now sends `header`.
    public func cookiesChanged(_ header: String?) -> [Action] {
        current == nil ? [] : [.saveCookies(header)]
    }

    /// A poll of `generation` answered 0 at `now` (ms since 1970): the session is alive.
    public mutating func polled(generation: Int, now: Int64) -> [Action] {
        guard current?.generation == generation else { return [] }
        var actions: [Action] = [.saveContact(now)]
        if resumePending {
            resumePending = false
            actions.append(.reportResume(.resumed))
        }
        return actions
    }

    /// The gateway said the session of `generation` ended (100-006 and kin, PROTOCOL.md
    /// §6.1) in an answer to `source`. The agent has no session here afterwards, and the
    /// record is forgotten (it no longer proves anything). Whether the shim signs in
    /// again by itself is `afterEnd`'s rule.
    public mutating func ended(generation: Int, source: EndSource, retcode: Retcode?) -> [Action] {
        guard let current, current.generation == generation else { return [] }
        let unconfirmedResume = resumePending
        self.current = nil
        origin = nil
        endedByGateway = true
        resumePending = false
        var actions: [Action] = [.forgetSaved, .countLoss(retcode), .announce(.ended(retcode: retcode, reason: .gateway))]
        if unconfirmedResume { actions.append(.reportResume(.gone)) }
        guard source == .poll else { return actions }
        actions.append(.tellGuardEnded)
        if let reason = Self.afterEnd(policy: policy, owned: owned, closed: closed, unconfirmedResume: unconfirmedResume) {
            actions.append(.signInAgain(reason))
        }
        return actions
    }

    /// The rule after a poll found the session ended: sign in again by itself with
    /// `keepSignedIn`; or when the session was resumed after a restart, had not been
    /// confirmed yet, and `signInAtStartup` is on (the start-up sign-in took the resumed
    /// session for signed in and skipped the agent); otherwise stay signed out (the next
    /// caller's reset signs in). Never for an agent this process does not act for, nor
    /// at shutdown.
    public static func afterEnd(policy: Policy, owned: Bool, closed: Bool, unconfirmedResume: Bool) -> SignInAgainReason? {
        guard owned, !closed else { return nil }
        if policy.keepSignedIn { return .keepSignedIn }
        if policy.signInAtStartup, unconfirmedResume { return .startupAfterResume }
        return nil
    }

    // MARK: Ownership and shutdown

    /// Cluster mode: this member holds the agent's key now.
    public mutating func adopted() { owned = true }

    /// Cluster mode: another member holds the agent now. The session here is left to it:
    /// no logout, the record is forgotten.
    public mutating func dropped() -> [Action] {
        owned = false
        resumePending = false
        guard current != nil else { return [] }
        current = nil
        origin = nil
        return [.forgetSaved]
    }

    /// Shutdown: no new sign-in starts after this.
    public mutating func close() { closed = true }

    /// The agent is being signed out (`logout`): the credentials to sign out with, if any.
    public mutating func signingOut() -> (Credentials?, [Action]) {
        guard let held = current else { return (nil, []) }
        current = nil
        origin = nil
        return (held, [.tellGuardSignedOut, .forgetSaved, .announce(.ended(retcode: nil, reason: .signedOut))])
    }
}
