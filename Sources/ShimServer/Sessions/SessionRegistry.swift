import ShimCore
import Synchronization

/// The sessions of every configured agent, by id.
final class SessionRegistry: Sendable {
    private let sessions: Mutex<[AgentID: AgentSession]>

    init(_ sessions: [AgentSession]) {
        self.sessions = Mutex(Dictionary(uniqueKeysWithValues: sessions.map { ($0.agentID, $0) }))
    }

    /// The session of a configured agent, or nil.
    func session(for id: AgentID) -> AgentSession? {
        sessions.withLock { $0[id] }
    }

    /// Every session, ordered by agent id.
    var all: [AgentSession] {
        sessions.withLock { $0.values.sorted { $0.agentID < $1.agentID } }
    }
}
