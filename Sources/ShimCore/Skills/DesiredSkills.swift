/// The skill queues an agent is meant to be in: the last choice a caller's reset
/// succeeded with, or the configured default for an agent no caller has reset yet.
///
/// The gateway's queues belong to a session (PROTOCOL.md §5.1, "Typical use": resetskill
/// right after sign-in), so this outlives sessions: it is kept in the state file and,
/// in cluster mode, in etcd, and re-applied to every session the shim makes by itself
/// (`SkillSync`). It holds no secret.
public struct DesiredSkills: Sendable, Equatable {
    /// Where the choice comes from.
    public enum Source: String, Sendable, Equatable {
        /// A caller's reset that succeeded.
        case caller
        /// `agents[].skills` or `skills.default`.
        case configured
    }

    public var choice: SkillChoice
    public var source: Source
    /// When the caller's reset succeeded (ms since 1970); nil for a configured default.
    public var setAt: Int64?
    /// The caller's request id; nil for a configured default.
    public var requestID: String?

    public init(choice: SkillChoice, source: Source, setAt: Int64? = nil, requestID: String? = nil) {
        self.choice = choice
        self.source = source
        self.setAt = setAt
        self.requestID = requestID
    }

    /// A configured default.
    public static func configured(_ choice: SkillChoice) -> DesiredSkills { DesiredSkills(choice: choice, source: .configured) }

    /// The JSON form kept in the state file and etcd:
    /// `{"skills":[1,2]|null,"allConfiguredSkills":false,"phoneLinkage":null,"source":"caller","setAt":<ms>,"requestId":"…"}`.
    public var json: JSONValue {
        var members = choice.jsonMembers
        members.append(("source", .string(source.rawValue)))
        members.append(("setAt", setAt.map(JSONValue.integer) ?? .null))
        members.append(("requestId", requestID.map(JSONValue.string) ?? .null))
        return .object(members)
    }

    /// Reads `json` back; nil when it is damaged.
    public init?(json: JSONValue) {
        guard let choice = SkillChoice(json: json), let source = json["source"]?.stringValue.flatMap(Source.init(rawValue:)) else { return nil }
        var setAt: Int64?
        if case .integer(let at)? = json["setAt"] { setAt = at }
        self.init(choice: choice, source: source, setAt: setAt, requestID: json["requestId"]?.stringValue)
    }

    /// Whether `other` is a newer caller's choice than this one (the later `setAt` wins;
    /// a caller's choice always wins over a configured default).
    public func isOlder(than other: DesiredSkills) -> Bool {
        switch (source, other.source) {
        case (.configured, .caller): true
        case (.caller, .configured): false
        default: (setAt ?? 0) < (other.setAt ?? 0)
        }
    }
}
