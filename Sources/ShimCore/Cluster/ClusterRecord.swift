/// The value of a member key or an agent key: which member, where it serves, since when.
/// JSON, e.g. `{"member":"shim-a","url":"http://10.0.0.5:8080","since":"2026-12-02T10:00:00Z"}`;
/// a session key holds the same fields (the member that signed the agent in).
public struct ClusterRecord: Sendable, Equatable {
    public var member: String
    /// The member's `advertiseURL`.
    public var url: String
    /// When the member registered, claimed the agent, or signed it in (RFC 3339).
    public var since: String

    public init(member: String, url: String, since: String) {
        self.member = member
        self.url = url
        self.since = since
    }

    public var encoded: String {
        JSONValue.object([("member", .string(member)), ("url", .string(url)), ("since", .string(since))]).serialized
    }

    /// Reads a value; nil when it is not one of ours.
    public init?(bytes: [UInt8]) {
        guard let json = try? JSONParser.parse(bytes), let member = json["member"]?.stringValue, !member.isEmpty else { return nil }
        self.member = member
        self.url = json["url"]?.stringValue ?? ""
        self.since = json["since"]?.stringValue ?? ""
    }
}
