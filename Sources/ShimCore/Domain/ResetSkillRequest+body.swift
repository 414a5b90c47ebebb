extension ResetSkillRequest {
    /// The fields `POST /v1/agents/{id}/reset-skill` accepts.
    public static let bodyFields = ["skills", "allConfiguredSkills", "phoneLinkage"]

    /// Validates the JSON body of `POST /v1/agents/{agentId}/reset-skill`.
    ///
    /// Rules (issue #2): a JSON object; exactly one of `skills` (array of
    /// positive integers, possibly empty) or `allConfiguredSkills: true`
    /// (`allConfiguredSkills: false` beside `skills` is allowed; `true` beside
    /// a non-empty list is not); optional boolean `phoneLinkage`; no other
    /// field, so a typo such as `phonelinkage` is named instead of ignored.
    public static func parse(agent: AgentID, body: some Collection<UInt8>) throws(ValidationError) -> ResetSkillRequest {
        guard !body.isEmpty else { throw ValidationError("the request body is missing; send a JSON object such as {\"skills\": [3, 7]}") }
        let json: JSONValue
        do {
            json = try JSONParser.parse(body)
        } catch {
            throw ValidationError("the request body is not valid JSON: \(error.description)")
        }
        guard case .object = json else {
            throw ValidationError("the request body must be a JSON object, not a \(json.typeName)")
        }
        return try parse(agent: agent, json: json)
    }

    /// Validates one reset given as a JSON object (the body of the single route, or one
    /// entry of the bulk route without its `agentId`), by the rules above.
    public static func parse(agent: AgentID, json: JSONValue) throws(ValidationError) -> ResetSkillRequest {
        guard case .object(let members) = json else {
            throw ValidationError("a reset must be a JSON object, not a \(json.typeName)")
        }
        var seen = Set<String>()
        for member in members {
            guard bodyFields.contains(member.key) else {
                throw ValidationError("unknown field '\(Self.printable(member.key))'; accepted fields are skills, allConfiguredSkills, phoneLinkage")
            }
            guard seen.insert(member.key).inserted else {
                throw ValidationError("field '\(member.key)' appears more than once")
            }
        }

        var all = false
        if let value = json["allConfiguredSkills"] {
            guard case .bool(let flag) = value else {
                throw ValidationError("field 'allConfiguredSkills' must be a boolean, not a \(value.typeName)")
            }
            all = flag
        }
        var phoneLinkage: Bool?
        if let value = json["phoneLinkage"] {
            guard case .bool(let flag) = value else {
                throw ValidationError("field 'phoneLinkage' must be a boolean, not a \(value.typeName)")
            }
            phoneLinkage = flag
        }
        var skillIDs: [Int64]?
        if let value = json["skills"] {
            guard case .array(let elements) = value else {
                throw ValidationError("field 'skills' must be an array of positive integers, not a \(value.typeName)")
            }
            var ids: [Int64] = []
            ids.reserveCapacity(elements.count)
            for (index, element) in elements.enumerated() {
                guard let id = Self.positiveInteger(element) else {
                    throw ValidationError("skills[\(index)] must be a positive integer")
                }
                ids.append(id)
            }
            skillIDs = ids
        }

        let selection: SkillSelection
        switch (all, skillIDs) {
        case (true, let ids?) where !ids.isEmpty:
            throw ValidationError("send either a non-empty 'skills' list or 'allConfiguredSkills': true, not both")
        case (true, _):
            selection = .allConfigured
        case (false, nil):
            throw ValidationError("send 'skills' (an array of skill ids; [] leaves every queue) or 'allConfiguredSkills': true")
        case (false, let ids?):
            switch SkillSelection.validated(ids) {
            case .success(let s): selection = s
            case .failure(.tooLong(let length)):
                throw ValidationError("the skill ids join to \(length) characters; the gateway accepts at most \(SkillSelection.maxSkillIDLength)")
            case .failure(.notPositive):
                throw ValidationError("skill ids must be positive integers")
            }
        }
        return ResetSkillRequest(agent: agent, selection: selection, phoneLinkage: phoneLinkage)
    }

    /// The largest skill id accepted: 2^53 - 1, the largest integer every JSON
    /// implementation represents exactly.
    public static let maxSkillID: Int64 = 9_007_199_254_740_991

    /// A positive whole number up to `maxSkillID`: an integer literal, or a number
    /// with no fractional part such as `7.0` or `7e0` (JSON Schema's `integer`).
    static func positiveInteger(_ value: JSONValue) -> Int64? {
        switch value {
        case .integer(let id) where id > 0 && id <= maxSkillID:
            return id
        case .number(let text):
            guard let double = Double(text), double.isFinite, double >= 1, double <= Double(maxSkillID),
                double.rounded(.towardZero) == double
            else { return nil }
            return Int64(double)
        default:
            return nil
        }
    }

    /// How an unknown field is named in the error: only a short identifier
    /// (letters, digits, `_`, `-`, `.`; at most 40) is echoed, so an error body
    /// never repeats arbitrary input such as a pasted secret or a control character.
    static func printable(_ text: String) -> String {
        let isIdentifier =
            !text.isEmpty && text.utf8.count <= 40
            && text.utf8.allSatisfy { byte in
                (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                    || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-") || byte == UInt8(ascii: ".")
            }
        return isIdentifier ? text : "(a field name that is not a plain identifier)"
    }
}
