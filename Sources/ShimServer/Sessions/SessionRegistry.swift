import NIOConcurrencyHelpers
import ShimCore

/// The sessions of every configured agent, by id.
final class SessionRegistry: Sendable {
    private let sessions: NIOLockedValueBox<[AgentID: AgentSession]>

    init(_ sessions: [AgentSession]) {
        self.sessions = NIOLockedValueBox(Dictionary(uniqueKeysWithValues: sessions.map { ($0.agentID, $0) }))
    }

    /// The session of a configured agent, or nil.
    func session(for id: AgentID) -> AgentSession? {
        sessions.withLockedValue { $0[id] }
    }

    /// Adds a session (reload: a new agent).
    func add(_ session: AgentSession) {
        sessions.withLockedValue { $0[session.agentID] = session }
    }

    /// Removes and returns a session (reload: an agent left the config).
    func remove(_ id: AgentID) -> AgentSession? {
        sessions.withLockedValue { $0.removeValue(forKey: id) }
    }

    /// Every session, ordered by agent id.
    var all: [AgentSession] {
        sessions.withLockedValue { $0.values.sorted { $0.agentID < $1.agentID } }
    }
}
