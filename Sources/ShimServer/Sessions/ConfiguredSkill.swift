import ShimCore

/// One skill configured for the agent on the gateway, from `agentskills`
/// (`{name, id, mediatype}`, PROTOCOL.md §5.2).
struct ConfiguredSkill: Sendable, Equatable {
    var id: Int
    var name: String
    var mediaType: Int64?

    /// The `result` array of an `agentskills` answer; nil when it is not one.
    static func list(from result: JSONValue?) -> [ConfiguredSkill]? {
        guard case .array(let items)? = result else { return nil }
        var skills: [ConfiguredSkill] = []
        for item in items {
            guard case .integer(let id)? = item["id"] else { return nil }
            var mediaType: Int64?
            if case .integer(let type)? = item["mediatype"] { mediaType = type }
            skills.append(ConfiguredSkill(id: Int(id), name: item["name"]?.stringValue ?? "", mediaType: mediaType))
        }
        return skills
    }

    var json: JSONValue {
        .object([("id", .integer(Int64(id))), ("name", .string(name)), ("mediaType", mediaType.map(JSONValue.integer) ?? .null)])
    }
}
