import Foundation
import ShimCore

/// What `GET /v1/agents/{id}` and the session gauges show of one agent, kept as the
/// session reports what happened (signed in, rotated, polled, failed). Never a GUID,
/// cookie or password: only counts, times and error texts without secrets.
struct AgentStatusView: Sendable {
    private var signIns = 0
    private var rotations = 0
    private var guidIssuedAt: ContinuousClock.Instant?
    private var lastPollAt: Date?
    private(set) var lastError: String?

    /// A session began (`counted`: a sign-in, not a resume).
    mutating func sessionBegan(counted: Bool) {
        if counted { signIns += 1 }
        rotations = 0
        guidIssuedAt = .now
        lastError = nil
    }

    /// The GUID changed.
    mutating func rotated() {
        rotations += 1
        guidIssuedAt = .now
    }

    /// A poll answered 0.
    mutating func polled(at: Date) { lastPollAt = at }

    /// The last thing that went wrong, in words.
    mutating func failed(_ text: String) { lastError = text }

    /// The GUID's age in seconds while `signedIn`.
    func guidAge(signedIn: Bool) -> Double? {
        guard signedIn, let guidIssuedAt else { return nil }
        return Self.seconds(guidIssuedAt.duration(to: .now))
    }

    /// The agent's status for the API, from what the session machine and the skill keeper say.
    func status(agent: AgentID, authMode: ShimConfig.AuthMode, machine: SessionMachine, skillsInSync: Bool?) -> AgentStatus {
        let signedIn = machine.current != nil
        return AgentStatus(
            agentId: agent.rawValue,
            signedIn: signedIn,
            sessionOrigin: signedIn ? machine.origin?.rawValue : nil,
            authMode: authMode.rawValue,
            guidAgeSeconds: guidAge(signedIn: signedIn),
            lastPollAt: lastPollAt.map(Date.rfc3339),
            signIns: signIns,
            rotations: rotations,
            lastError: lastError,
            skillsInSync: skillsInSync,
            holdExpected: machine.holdExpected
        )
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}
