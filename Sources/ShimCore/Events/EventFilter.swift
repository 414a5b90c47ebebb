/// What one subscriber gets: agents in the caller's scope (and, if named, only those),
/// and the types its `?type=` names.
public struct EventFilter: Sendable, Equatable {
    public var scope: AgentScope
    /// `?agent=` or the path's agent; nil: every agent in scope.
    public var agents: Set<AgentID>?
    public var types: EventTypeFilter
    /// Only events of these origins (a member's own events, for its peers); nil: any.
    public var origins: Set<String>?

    public init(scope: AgentScope = .all, agents: Set<AgentID>? = nil, types: EventTypeFilter = .all) {
        self.scope = scope
        self.agents = agents
        self.types = types
    }

    public func allows(_ agent: AgentID) -> Bool {
        scope.allows(agent) && (agents?.contains(agent) ?? true)
    }

    public func matches(_ event: AgentEvent) -> Bool {
        guard types.matches(event.type), origins?.contains(event.id.origin) ?? true else { return false }
        guard let agent = event.agentID else { return true }
        return allows(agent)
    }
}
