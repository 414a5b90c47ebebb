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
