import Foundation

/// The simulated sessions and the rules time applies to them (unpolled sign-out,
/// rotation, grace expiry; PROTOCOL.md §3.2, §4.3), and the authentication of a call's
/// `Guid` and `Cookie`. Pure apart from minting GUIDs: the clock comes in; sessions that
/// end are collected (`drainEnded`) so the gateway wakes their held polls.
struct SimSessionTable {
    let options: SimulatorOptions
    var sessions: [String: SimSession] = [:]
    /// GUIDs of sessions that ended (logout, displacement, expiry): a call with one gets 100-006.
    private(set) var deadGUIDs: Set<String> = []
    /// Why each agent's last session ended, and how many ended for each reason.
    var signOuts: [String: String] = [:]
    private(set) var signOutCounts: [String: Int] = [:]
    /// Alternates the gateway node a new session lands on.
    var nodeCounter = 0
    private var ended: [String] = []

    init(options: SimulatorOptions) {
        self.options = options
    }

    /// Applies unpolled sign-out, dynamic rotation and grace expiry to one agent.
    mutating func tick(_ id: String, now: ContinuousClock.Instant) {
        guard var session = sessions[id] else { return }
        if !session.pollInFlight, now - session.lastPollActivity > options.unpolledTimeout {
            end(id, reason: "unpolled")  // PROTOCOL.md §4.3
            return
        }
        if options.authMode == .dynamic {
            // Rotations happen on the gateway's clock, called or not: a GUID's grace runs from
            // when it was superseded, even while nobody called (PROTOCOL.md §3.2).
            while now - session.lastRotation >= options.rotationInterval {
                session.lastRotation = session.lastRotation + options.rotationInterval
                rotate(&session, at: session.lastRotation)
            }
        }
        session.guids.removeAll { record in
            guard let superseded = record.supersededAt else { return false }
            return now - superseded > options.guidGrace
        }
        sessions[id] = session
    }

    private func rotate(_ session: inout SimSession, at now: ContinuousClock.Instant) {
        let fresh = Self.mintGUID(node: session.node)
        session.guids[session.guids.count - 1].supersededAt = now
        session.guids.append(GUIDRecord(value: fresh, supersededAt: nil))
        session.pendingSetGUID = fresh
    }

    /// Ends the agent's session: its GUIDs answer 100-006 from now on, its held polls are to wake.
    mutating func end(_ id: String, reason: String) {
        if let session = sessions.removeValue(forKey: id) {
            for record in session.guids { deadGUIDs.insert(record.value) }
        }
        signOuts[id] = reason
        signOutCounts[reason, default: 0] += 1
        ended.append(id)
    }

    /// The agents whose sessions ended since the last call (their held polls must wake).
    mutating func drainEnded() -> [String] {
        defer { ended.removeAll() }
        return ended
    }

    static func mintGUID(node: Int) -> String {
        UUID().uuidString.lowercased() + ".AgentGateway\(node)"
    }

    /// Checks the `Guid` and `Cookie` of a call (PROTOCOL.md §3, §11 "Authentication on every other route").
    mutating func authenticate(
        _ id: String, guid: String?, cookie: String?, now: ContinuousClock.Instant
    ) -> (ok: Bool, answer: SimAnswer, state: String) {
        tick(id, now: now)
        guard let session = sessions[id] else { return (false, .notSignedIn, "no-session") }
        guard let guid, !guid.isEmpty else { return (false, badGUID(), "missing") }
        guard let record = session.guids.first(where: { $0.value == guid }) else {
            // A GUID of a session that ended (displaced, signed out): that session is gone (§2.2).
            if deadGUIDs.contains(guid) { return (false, .notSignedIn, "dead") }
            return (false, badGUID(), "unknown")
        }
        if options.requireCookie, !(cookie ?? "").contains(session.cookie) { return (false, .noRight, "no-cookie") }
        return (true, SimAnswer("0"), record.supersededAt == nil ? "current" : "grace")
    }

    private func badGUID() -> SimAnswer {
        options.badGUIDRetcode == "100-006" ? .notSignedIn : .noRight
    }
}
