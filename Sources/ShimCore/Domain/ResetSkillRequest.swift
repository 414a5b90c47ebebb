/// A validated request to reset one agent's skill queues, however it arrived.
public struct ResetSkillRequest: Sendable, Equatable {
    public var agent: AgentID
    public var selection: SkillSelection
    /// `phonelinkage=1|0`, or nil to send no `phonelinkage` parameter.
    public var phoneLinkage: Bool?

    public init(agent: AgentID, selection: SkillSelection, phoneLinkage: Bool?) {
        self.agent = agent
        self.selection = selection
        self.phoneLinkage = phoneLinkage
    }

    /// The gateway call that carries it out.
    public var operation: GatewayOperation { .resetSkill(agent, selection, phoneLinkage: phoneLinkage) }
}

/// Why an inbound request was refused before any gateway call. The message is
/// safe to show the caller: it never echoes more than a field name or a number.
public struct ValidationError: Error, Equatable, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
