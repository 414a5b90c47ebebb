import Foundation

/// The state of the simulated CC-Gateway: agents, table.sessions, GUIDs, events, the
/// request journal and injected faults. Time is read from one clock and all
/// timers (rotation, grace, unpolled sign-out) are evaluated lazily on access.
public actor SimulatedGateway {
    let options: SimulatorOptions
    private var agents: [String: SimulatorOptions.Agent] = [:]
    /// The table.sessions and the rules time applies to them.
    private var table: SimSessionTable
    /// The request journal, the calls in flight and the injected faults.
    private var recorder: SimulatorJournal
    private var signInsInProgress: Set<String> = []
    /// Held polls waiting for a change (see `waitForChange`).
    private var heldPolls = HeldPolls()
    /// Made-up calls (`options.ringEvery`).
    private var callMaker: SimCallMaker?

    public init(options: SimulatorOptions) {
        self.options = options
        for agent in options.agents { agents[agent.id] = agent }
        recorder = SimulatorJournal(capacity: options.journalCapacity, faults: options.faults)
        table = SimSessionTable(options: options)
        callMaker = options.ringEvery.map(SimCallMaker.init(every:))
    }

    // MARK: Events

    /// Queues an event object (JSON text) for the agent's next poll; false when the agent
    /// is not signed in (a real gateway has nowhere to put it).
    @discardableResult
    public func queueEvent(_ id: String, json: String) -> Bool {
        tick(id)
        guard table.sessions[id] != nil else { return false }
        table.sessions[id]!.events.append(json)
        wakeHeldPolls(id)
        return true
    }

    /// Rings the signed-in agents that are due a made-up call (`ringEvery`), and queues the
    /// later events of earlier calls.
    func ringDueAgents() {
        guard var maker = callMaker else { return }
        let due = maker.due(signedIn: table.sessions.keys, now: .now)
        callMaker = maker
        for (agent, json) in due { queueEvent(agent, json: json) }
    }

    // MARK: Time and authentication (`SimSessionTable`), waking held polls of ended table.sessions

    private func tick(_ id: String) {
        table.tick(id, now: .now)
        wakeEnded()
    }

    private func end(_ id: String, reason: String) {
        table.end(id, reason: reason)
        wakeEnded()
    }

    private func authenticate(_ id: String, guid: String?, cookie: String?) -> (ok: Bool, answer: SimAnswer, state: String) {
        defer { wakeEnded() }
        return table.authenticate(id, guid: guid, cookie: cookie, now: .now)
    }

    private func wakeEnded() {
        for id in table.drainEnded() { wakeHeldPolls(id) }
    }

    static func mintGUID(node: Int) -> String { SimSessionTable.mintGUID(node: node) }

    // MARK: Journal and faults

    func record(_ entry: JournalEntry) -> Int { recorder.record(entry) }
    func callStarted(_ operation: String) { recorder.started(operation) }
    func callEnded(_ operation: String) { recorder.ended(operation) }
    /// Calls of `operation` being answered now.
    public func callsInFlight(_ operation: String) -> Int { recorder.inFlight[operation] ?? 0 }
    /// The most calls of `operation` (`login`, `resetSkill`, …) ever answered at once.
    public func peakConcurrency(_ operation: String) -> Int { recorder.peak[operation] ?? 0 }
    /// The requests so far (the newest `journalCapacity` at least half of them when trimmed).
    public func entries() -> [JournalEntry] { recorder.entries }
    public func clearJournal() { recorder.entries.removeAll() }
    public func addFault(_ rule: FaultRule) { recorder.faults.append(rule) }
    public func clearFaults() { recorder.faults.removeAll() }
    /// The fault to apply to this request, if any (consumes one use).
    func takeFault(operation: String, agentID: String?) -> FaultRule.Action? { recorder.takeFault(operation: operation, agentID: agentID) }

    // MARK: Inspection (tests and the admin API)

    /// Whether the agent has a live session now.
    public func isSignedIn(_ id: String) -> Bool {
        tick(id)
        return table.sessions[id] != nil
    }

    /// The skills the agent joined with its last resetskill.
    public func joinedSkills(_ id: String) -> [Int]? { table.sessions[id]?.joinedSkills }

    /// Every GUID the simulator ever handed out for live table.sessions (for redaction tests).
    public func liveGUIDs() -> [String] { table.sessions.values.flatMap { $0.guids.map(\.value) } }

    /// Why the agent was last signed out, if it was.
    public func signOutReason(_ id: String) -> String? { table.signOuts[id] }

    /// How many table.sessions ended for `reason` (`unpolled`, `logout`, `forced out by forcelogin`, `displaced`).
    public func signOutCount(_ reason: String) -> Int { table.signOutCounts[reason] ?? 0 }

    /// Another client force-signs the agent in: the current session is displaced
    /// (PROTOCOL.md §2.2, reason 264); its GUIDs now get 100-006.
    public func displace(_ id: String) {
        tick(id)
        guard table.sessions[id] != nil else { return }
        end(id, reason: "displaced")
        signInElsewhere(id)
    }

    /// Another client (an agent's desktop) signs the agent in; the shim's sign-in then gets 100-002.
    public func signInElsewhere(_ id: String) {
        table.nodeCounter += 1
        let now = ContinuousClock.now
        let node = table.nodeCounter % 2
        table.sessions[id] = SimSession(
            guids: [GUIDRecord(value: Self.mintGUID(node: node), supersededAt: nil)], lastRotation: now,
            lastPollActivity: now, cookie: "ccgw-node=elsewhere", node: node)
        wakeHeldPolls(id)
    }

    /// Expires every GUID of the agent's session without ending it (the agent's
    /// next call gets 000-003; updateGuid with them fails too).
    public func expireGUIDs(_ id: String) {
        guard var session = table.sessions[id] else { return }
        let fresh = Self.mintGUID(node: session.node)
        session.guids = [GUIDRecord(value: fresh, supersededAt: nil)]
        table.sessions[id] = session
        wakeHeldPolls(id)
    }

    /// An inspector forces the agent out (PROTOCOL.md §2.3): the session ends and nobody
    /// holds the agent; its GUIDs now get 100-006.
    public func forceOut(_ id: String) {
        guard table.sessions[id] != nil else { return }
        end(id, reason: "forced")
    }

    /// Forgets when the agent was last polled, as if two minutes passed.
    public func signOutUnpolled(_ id: String) {
        end(id, reason: "unpolled")
    }

    // MARK: Sign-in, sign-out

    func validAgentID(_ id: String) -> Bool {
        guard let first = id.first, first != "0", id.allSatisfy(\.isASCII), let n = Int(id), String(n) == id else { return false }
        return n >= 101 && n <= options.maxAgentID
    }

    /// Starts a sign-in; answers 100-021 while another for the agent is unanswered (§2.1).
    func beginSignIn(_ id: String) -> Bool {
        signInsInProgress.insert(id).inserted
    }

    func endSignIn(_ id: String) { signInsInProgress.remove(id) }

    /// `PUT onlineagent/{id}` and `.../forcelogin` (PROTOCOL.md §2.1, §2.2).
    func signIn(_ id: String, fields: SignInFields?, force: Bool) -> SimAnswer {
        guard validAgentID(id) else { return .badParameter }
        guard let password = fields?.password, let phone = fields?.phone else {
            return SimAnswer("100-001", "sign-in parameters empty or invalid")
        }
        guard let agent = agents[id], agent.password == password else { return SimAnswer("100-004", "wrong user name or password") }
        if let bound = agent.phone, bound != phone { return SimAnswer("100-013", "the phone bound to the agent is invalid") }
        tick(id)
        if table.sessions[id] != nil {
            guard force else { return SimAnswer("100-002", "agent already signed in") }
            end(id, reason: "forced out by forcelogin")
        }
        table.nodeCounter += 1
        let node = table.nodeCounter % 2
        let guid = Self.mintGUID(node: node)
        let cookie = "ccgw-node=n\(node)-\(UUID().uuidString.prefix(8).lowercased())"
        let now = ContinuousClock.now
        var session = SimSession(
            guids: [GUIDRecord(value: guid, supersededAt: nil)], lastRotation: now, lastPollActivity: now, cookie: cookie, node: node)
        session.events = [
            "{\"eventType\":\"AgentOther_InService\",\"workNo\":\"\(id)\",\"content\":null}",
            "{\"eventType\":\"AgentState_Ready\",\"workNo\":\"\(id)\",\"content\":null}",
        ]
        table.sessions[id] = session
        table.signOuts[id] = nil
        wakeHeldPolls(id)
        let loginTime = Int(Date().timeIntervalSince1970 * 1000)
        var answer = SimAnswer(
            "0", "",
            result:
                "{\"vdnid\":1,\"workno\":\"\(id)\",\"mediatype\":\"TTF\",\"loginTime\":\"\(loginTime)\",\"isForceChange\":\"false\",\"serverName\":\"AgentGateway\",\"timeRemaining\":\"\"}"
        )
        answer.setGUID = guid
        if options.sendPlainGuidHeader { answer.plainGuidHeader = guid }
        if options.requireCookie { answer.setCookie = cookie + "; Path=/; HttpOnly; Secure" }
        return answer
    }

    /// `DELETE onlineagent/{id}/logout` (§2.3).
    func logout(_ id: String, guid: String?, cookie: String?) -> SimAnswer {
        let auth = authenticate(id, guid: guid, cookie: cookie)
        guard auth.ok else { return auth.answer }
        end(id, reason: "logout")
        return SimAnswer("0", "success", result: "{}")
    }

    /// `PUT onlineagent/{id}/updateGuid` (§3.3): a new GUID in `result.guid`; the old one gets the grace period.
    func updateGuid(_ id: String, guid: String?, cookie: String?) -> SimAnswer {
        let auth = authenticate(id, guid: guid, cookie: cookie)
        guard auth.ok, var session = table.sessions[id] else { return auth.answer }
        let fresh = Self.mintGUID(node: session.node)
        session.guids[session.guids.count - 1].supersededAt = .now
        session.guids.append(GUIDRecord(value: fresh, supersededAt: nil))
        session.lastRotation = .now
        session.pendingSetGUID = nil
        table.sessions[id] = session
        return SimAnswer("0", "success", result: "{\"guid\":\"\(fresh)\"}")
    }

    // MARK: resetskill

    /// Starts `POST onlineagent/{id}/resetskill/{autoflag}` (§5.1); the answer comes from `finishResetSkill`.
    func beginResetSkill(_ id: String, guid: String?, cookie: String?) -> (answer: SimAnswer?, guidState: String) {
        let auth = authenticate(id, guid: guid, cookie: cookie)
        guard auth.ok else { return (auth.answer, auth.state) }
        if options.rejectOverlappingCalls, table.sessions[id]!.resetInFlight { return (.repeated, auth.state) }
        table.sessions[id]!.resetInFlight = true
        return (nil, auth.state)
    }

    func finishResetSkill(_ id: String, autoflag: String, skillid: String?, phonelinkage: String?) -> SimAnswer {
        table.sessions[id]?.resetInFlight = false
        guard var session = table.sessions[id], let agent = agents[id] else { return .notSignedIn }
        if let phonelinkage, phonelinkage != "0", phonelinkage != "1" { return .badParameter }
        guard agent.phone != nil else { return SimAnswer("100-013", "no phone bound to the agent") }
        var joined: [Int]
        if autoflag == "true" {
            joined = agent.skills
        } else {
            let text = skillid ?? ""
            guard text.utf8.count <= options.maxSkillIDLength else { return .badParameter }
            var requested: [Int] = []
            if !text.isEmpty {
                for part in text.split(separator: ";", omittingEmptySubsequences: false) {
                    guard let n = Int(part), n >= 0 else { return .badParameter }
                    requested.append(n)
                }
            }
            joined = agent.skills.filter { requested.contains($0) }
        }
        joined.sort()
        session.joinedSkills = joined
        table.sessions[id] = session
        var answer = SimAnswer("0", "success", result: "{}")
        answer.joinedSkills = joined
        return answer
    }

    /// `GET onlineagent/{id}/agentskills` (§5.2).
    func agentSkills(_ id: String, guid: String?, cookie: String?) -> SimAnswer {
        let auth = authenticate(id, guid: guid, cookie: cookie)
        guard auth.ok, let agent = agents[id] else { return auth.answer }
        let list = agent.skills.map { "{\"name\":\"skill\($0)\",\"id\":\($0),\"mediatype\":5}" }.joined(separator: ",")
        return SimAnswer("0", "success", result: "[\(list)]")
    }

    // MARK: Event polling

    enum PollStart {
        case answer(SimAnswer, String)
        case hold(String)
    }

    /// Starts `GET agentevent/{id}` (§4.1): answers at once with a queued event, else holds.
    func beginPoll(_ id: String, guid: String?, cookie: String?) -> PollStart {
        let auth = authenticate(id, guid: guid, cookie: cookie)
        guard auth.ok else { return .answer(auth.answer, auth.state) }
        if options.rejectOverlappingCalls, table.sessions[id]!.pollInFlight { return .answer(.repeated, auth.state) }
        table.sessions[id]!.lastPollActivity = .now
        if let ready = pollReady(id) { return .answer(ready, auth.state) }
        table.sessions[id]!.pollInFlight = true
        return .hold(auth.state)
    }

    /// The answer for a held poll if one is due now: a queued event, a rotated GUID, or the session's end.
    func pollReady(_ id: String) -> SimAnswer? {
        tick(id)
        guard var session = table.sessions[id] else { return .notSignedIn }
        guard !session.events.isEmpty || session.pendingSetGUID != nil else { return nil }
        var answer = SimAnswer("0")
        if !session.events.isEmpty { answer.eventJSON = session.events.removeFirst() }
        answer.setGUID = session.pendingSetGUID
        session.pendingSetGUID = nil
        session.pollInFlight = false
        session.lastPollActivity = .now
        table.sessions[id] = session
        return answer
    }

    /// Ends a held poll at the end of its hold: `{"message":"","retcode":"0"}` (§4.1).
    func finishPoll(_ id: String) -> SimAnswer {
        if let ready = pollReady(id) { return ready }
        table.sessions[id]?.pollInFlight = false
        table.sessions[id]?.lastPollActivity = .now
        return SimAnswer("0")
    }

    /// Lets a held poll go when its client disappeared.
    func abandonPoll(_ id: String) {
        table.sessions[id]?.pollInFlight = false
    }

    /// Suspends a held poll until something about the agent changes (sign-in,
    /// sign-out, displacement, expiry), its next GUID rotation is due, or `deadline`
    /// passes, whichever comes first; the caller then asks `pollReady` again.
    ///
    /// One continuation and one timer per held poll, rather than a polling loop, so
    /// 10,000 held polls cost nothing while they wait (issue #5's agent benchmark).
    func waitForChange(_ id: String, until deadline: ContinuousClock.Instant) async {
        var wake = deadline
        if options.authMode == .dynamic, let session = table.sessions[id] {
            wake = min(wake, session.lastRotation + options.rotationInterval)
        }
        let ticket = heldPolls.nextTicket()
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                guard !Task.isCancelled else { return continuation.resume() }
                heldPolls.park(id, ticket: ticket, continuation)
                Task {
                    try? await Task.sleep(until: wake)
                    self.wakeHeldPoll(id, ticket: ticket)
                }
            }
        } onCancel: {
            Task { await self.wakeHeldPoll(id, ticket: ticket) }
        }
    }

    private func wakeHeldPoll(_ id: String, ticket: Int) { heldPolls.wake(id, ticket: ticket) }

    private func wakeHeldPolls(_ id: String) { heldPolls.wakeAll(id) }
}
