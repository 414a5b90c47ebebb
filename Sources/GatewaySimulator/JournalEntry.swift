/// One request the simulator received, for assertions (PROTOCOL.md §11, "Record every request").
public struct JournalEntry: Sendable, Codable {
    public var sequence: Int
    /// The gateway's log name (`login`, `resetSkill`, …) or `unknown`.
    public var operation: String
    public var agentID: String?
    public var httpMethod: String
    public var path: String
    public var query: String?
    /// The `Guid` header as received (the simulator's own journal; never the shim's logs).
    public var guid: String?
    public var cookie: String?
    /// Whether the GUID was the current one, a superseded one still in grace, or not accepted.
    public var guidState: String?
    public var retcode: String?
    public var httpStatus: Int
    /// Skills the agent is in after a successful resetskill.
    public var joinedSkills: [Int]?
}
