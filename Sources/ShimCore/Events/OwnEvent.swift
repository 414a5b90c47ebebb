/// The shim's own events (`ccgw.…`, never a gateway `eventType`) and their details.
public struct OwnEvent: Sendable, Equatable {
    public let type: String
    public let details: JSONValue

    public static let sessionSignedIn = "ccgw.session.signedIn"
    public static let sessionEnded = "ccgw.session.ended"
    public static let skillsApplied = "ccgw.skills.applied"
    public static let ownerChanged = "ccgw.owner.changed"
    /// Stream notices: made for one subscriber, never kept or sent to webhooks.
    public static let gap = "ccgw.gap"
    public static let streamClosed = "ccgw.stream.closed"

    /// What a session announcement (`SessionMachine`'s `.announce`) publishes.
    public init(_ news: SessionNews) {
        switch news {
        case .began(let origin):
            type = Self.sessionSignedIn
            details = .object([("origin", .string(origin.rawValue))])
        case .ended(let retcode, let reason):
            type = Self.sessionEnded
            details = .object([("retcode", retcode.map { .string($0.rawValue) } ?? .null), ("reason", .string(reason.rawValue))])
        }
    }

    /// A reset the gateway accepted: what was asked and, when the agent's configured
    /// skills are known, the queues it joined (PROTOCOL.md §5.1: the intersection).
    public static func applied(_ choice: SkillChoice, origin: ResetOrigin, configured: [Int]?) -> OwnEvent {
        var members: [(key: String, value: JSONValue)] = [("origin", .string(origin.rawValue))]
        members += choice.jsonMembers
        let joined: JSONValue = configured.map { ids in .array(choice.joined(configured: ids).map { .integer(Int64($0)) }) } ?? .null
        members.append(("joined", joined))
        return OwnEvent(type: skillsApplied, details: .object(members))
    }

    /// Cluster mode: the member that acts for the agent changed (`from` nil: none did).
    public static func ownerChanged(from: String?, to: String) -> OwnEvent {
        OwnEvent(type: ownerChanged, details: .object([("from", from.map(JSONValue.string) ?? .null), ("to", .string(to))]))
    }

    public init(type: String, details: JSONValue) {
        self.type = type
        self.details = details
    }
}
