/// What one reset asks of the gateway, without the agent: the queues (`autoflag` and
/// `skillid`) and the phone linkage (PROTOCOL.md §5.1). The unit the shim remembers
/// (`DesiredSkills`) and re-applies.
public struct SkillChoice: Sendable, Equatable {
    public var selection: SkillSelection
    /// `phonelinkage=1|0`, or nil to send none.
    public var phoneLinkage: Bool?

    public init(selection: SkillSelection, phoneLinkage: Bool? = nil) {
        self.selection = selection
        self.phoneLinkage = phoneLinkage
    }

    /// The choice a validated request carries.
    public init(_ request: ResetSkillRequest) {
        self.init(selection: request.selection, phoneLinkage: request.phoneLinkage)
    }

    /// The request that applies this choice to `agent`.
    public func request(for agent: AgentID) -> ResetSkillRequest {
        ResetSkillRequest(agent: agent, selection: selection, phoneLinkage: phoneLinkage)
    }

    /// The queues the gateway joins for this choice: all configured ones for
    /// `autoflag=true`, else the intersection of the ids and the configured ones, in
    /// the order asked (PROTOCOL.md §5.1: "the skills actually joined are the intersection").
    public func joined(configured: [Int]) -> [Int] {
        switch selection {
        case .allConfigured: return configured
        case .skills(let ids):
            let known = Set(configured)
            return ids.filter { known.contains($0) }
        }
    }

    /// The JSON members that describe it: `skills` (ids, or null for all),
    /// `allConfiguredSkills`, `phoneLinkage` (or null).
    public var jsonMembers: [(key: String, value: JSONValue)] {
        let skills: JSONValue =
            switch selection {
            case .allConfigured: .null
            case .skills(let ids): .array(ids.map { .integer(Int64($0)) })
            }
        return [
            ("skills", skills), ("allConfiguredSkills", .bool(selection.autoflag)),
            ("phoneLinkage", phoneLinkage.map(JSONValue.bool) ?? .null),
        ]
    }

    /// Reads `jsonMembers` back; nil when they are not a choice the shim could have written.
    public init?(json: JSONValue) {
        var phoneLinkage: Bool?
        switch json["phoneLinkage"] {
        case .bool(let flag)?: phoneLinkage = flag
        case .null?, nil: phoneLinkage = nil
        default: return nil
        }
        if json["allConfiguredSkills"] == .bool(true) {
            self.init(selection: .allConfigured, phoneLinkage: phoneLinkage)
            return
        }
        guard case .array(let elements)? = json["skills"] else { return nil }
        var ids: [Int64] = []
        for element in elements {
            guard case .integer(let id) = element else { return nil }
            ids.append(id)
        }
        guard case .success(let selection) = SkillSelection.validated(ids) else { return nil }
        self.init(selection: selection, phoneLinkage: phoneLinkage)
    }
}
