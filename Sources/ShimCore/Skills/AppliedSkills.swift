/// The last reset that succeeded in the agent's current gateway session: what it asked,
/// who asked (`ResetOrigin`), when, and the request id. Belongs to one session: a new
/// sign-in or forcelogin starts with none (the gateway's new session is in no queue
/// the shim chose), a resumed session keeps the one saved with it.
public struct AppliedSkills: Sendable, Equatable {
    public var choice: SkillChoice
    public var origin: ResetOrigin
    /// When the gateway answered 0 (ms since 1970).
    public var at: Int64
    public var requestID: String?

    public init(choice: SkillChoice, origin: ResetOrigin, at: Int64, requestID: String?) {
        self.choice = choice
        self.origin = origin
        self.at = at
        self.requestID = requestID
    }

    /// The JSON form kept with the saved session.
    public var json: JSONValue {
        var members = choice.jsonMembers
        members.append(("origin", .string(origin.rawValue)))
        members.append(("at", .integer(at)))
        members.append(("requestId", requestID.map(JSONValue.string) ?? .null))
        return .object(members)
    }

    public init?(json: JSONValue) {
        guard let choice = SkillChoice(json: json), let origin = json["origin"]?.stringValue.flatMap(ResetOrigin.init(rawValue:)),
            case .integer(let at)? = json["at"]
        else { return nil }
        self.init(choice: choice, origin: origin, at: at, requestID: json["requestId"]?.stringValue)
    }
}
