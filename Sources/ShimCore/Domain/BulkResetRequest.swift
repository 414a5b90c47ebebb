/// The body of `POST /v1/reset-skill` (the bulk reset for shift changes):
/// `{"agents": [{"agentId": "1001", "skills": [3, 7], "phoneLinkage": false}, {"agentId": "1002", "allConfiguredSkills": true}]}`.
///
/// Never all-or-nothing: a body that is not this shape is refused as a whole (nothing
/// is sent), but an entry that is wrong becomes its own invalid row and the others
/// proceed. Each entry follows the single route's rules (`ResetSkillRequest.parse`).
public struct BulkResetRequest: Sendable, Equatable {
    /// One entry, in the order given.
    public enum Row: Sendable, Equatable {
        case valid(ResetSkillRequest)
        /// The entry cannot be sent: its agent id as given when it is a well-formed one, and why.
        case invalid(agentID: String?, message: String)

        /// The agent id the row's result names (nil when the entry had none usable).
        public var agentID: String? {
            switch self {
            case .valid(let request): request.agent.rawValue
            case .invalid(let agent, _): agent
            }
        }
    }

    public var rows: [Row]

    public init(rows: [Row]) { self.rows = rows }

    /// Parses the body; at most `maxAgents` entries.
    public static func parse(body: some Collection<UInt8>, maxAgents: Int) throws(ValidationError) -> BulkResetRequest {
        guard !body.isEmpty else {
            throw ValidationError(#"the request body is missing; send {"agents": [{"agentId": "1001", "skills": [3, 7]}, ...]}"#)
        }
        let json: JSONValue
        do {
            json = try JSONParser.parse(body)
        } catch {
            throw ValidationError("the request body is not valid JSON: \(error.description)")
        }
        guard case .object(let members) = json else { throw ValidationError("the request body must be a JSON object, not a \(json.typeName)") }
        for member in members where member.key != "agents" {
            throw ValidationError("unknown field '\(ResetSkillRequest.printable(member.key))'; the body has one field, agents")
        }
        guard members.count == 1, case .array(let entries)? = json["agents"] else {
            throw ValidationError("field 'agents' must be an array of {agentId, skills | allConfiguredSkills, phoneLinkage}")
        }
        guard !entries.isEmpty else { throw ValidationError("field 'agents' is empty; send at least one agent") }
        guard entries.count <= maxAgents else {
            throw ValidationError("field 'agents' has \(entries.count) entries; one request takes at most \(maxAgents) (bulk.maxAgents)")
        }
        var seen = Set<AgentID>()
        var rows: [Row] = []
        rows.reserveCapacity(entries.count)
        for (index, entry) in entries.enumerated() {
            rows.append(row(entry, index: index, seen: &seen))
        }
        return BulkResetRequest(rows: rows)
    }

    private static func row(_ entry: JSONValue, index: Int, seen: inout Set<AgentID>) -> Row {
        guard case .object(let members) = entry else {
            return .invalid(agentID: nil, message: "agents[\(index)] must be a JSON object, not a \(entry.typeName)")
        }
        let idValue = entry["agentId"]
        let idText: String? =
            switch idValue {
            case .string(let text)?: text
            case .integer(let number)?: String(number)
            default: nil
            }
        guard let idText, let agent = AgentID(idText) else {
            let message =
                idValue == nil
                ? "agents[\(index)] has no agentId"
                : "agents[\(index)].agentId must be an agent id from 101 to 999999 in plain digits"
            return .invalid(agentID: nil, message: message)
        }
        guard seen.insert(agent).inserted else {
            return .invalid(agentID: agent.rawValue, message: "agents[\(index)]: agent \(agent) appears more than once in this request")
        }
        let rest = JSONValue.object(members.filter { $0.key != "agentId" })
        do {
            return .valid(try ResetSkillRequest.parse(agent: agent, json: rest))
        } catch {
            return .invalid(agentID: agent.rawValue, message: "agents[\(index)]: \(error.message)")
        }
    }
}
