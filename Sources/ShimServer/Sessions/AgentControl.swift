import ShimCore

/// What the cluster drives in the agents' sessions: the one way it reaches them
/// (`SessionRegistry` implements it). A single process never uses it.
protocol AgentControl: Sendable {
    /// The agents that have a session here now.
    func activeAgents() async -> Set<AgentID>
    /// This member (`to`) holds the agent's key now: it acts for the agent. `from`: the
    /// member last seen holding it, if any (`ccgw.owner.changed`).
    func adopt(_ agent: AgentID, from: String?, to: String) async
    /// Sign the agent in (a claim won; nothing happens if it is signed in already).
    func signIn(_ agent: AgentID) async
    /// Sign in again an agent whose take-back failed for a reason that may pass; never
    /// after a refusal (repeating a wrong password can lock the account).
    func takeBack(_ agent: AgentID) async
    /// Another member holds the agent now: stop acting for it, without a logout.
    func drop(_ agent: AgentID, reason: String) async
}

extension SessionRegistry: AgentControl {
    func activeAgents() async -> Set<AgentID> {
        var active = Set<AgentID>()
        for session in all where await session.isActive { active.insert(session.agentID) }
        return active
    }

    func adopt(_ agent: AgentID, from: String?, to: String) async { await session(for: agent)?.adopt(from: from, to: to) }

    func signIn(_ agent: AgentID) async { try? await session(for: agent)?.ensureSignedIn() }

    func takeBack(_ agent: AgentID) async {
        guard let session = session(for: agent), !(await session.lastSignInRefused) else { return }
        try? await session.ensureSignedIn()
    }

    func drop(_ agent: AgentID, reason: String) async { await session(for: agent)?.drop(reason: reason) }
}
