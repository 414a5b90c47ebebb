extension ResetSkillRequest {
    /// Validates a call made on the gateway's own path,
    /// `POST /agentgateway/resource/onlineagent/{agentid}/resetskill/{autoflag}?skillid=..&phonelinkage=..`.
    ///
    /// `autoflag` follows the gateway: exactly `true` means all configured
    /// skills, anything else means `false` (PROTOCOL.md §5.1). `skillid` must be
    /// `;`-separated digits (raw `;` or `%3B`); `phonelinkage` must be 0 or 1.
    /// Only these two query parameters are forwarded.
    public static func parseCompat(agent: AgentID, autoflag: String, query: String?) throws(ValidationError) -> ResetSkillRequest {
        var skillParam: String?
        var linkageParam: String?
        for item in (query ?? "").split(separator: "&", omittingEmptySubsequences: true) {
            let parts = item.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = String(parts[0])
            let value = parts.count > 1 ? String(parts[1]) : ""
            switch name {
            case "skillid":
                guard skillParam == nil else { throw ValidationError("query parameter 'skillid' appears more than once") }
                skillParam = value.replacingPercentSemicolons()
            case "phonelinkage":
                guard linkageParam == nil else { throw ValidationError("query parameter 'phonelinkage' appears more than once") }
                linkageParam = value
            default:
                continue  // not forwarded
            }
        }
        var phoneLinkage: Bool?
        switch linkageParam {
        case nil: phoneLinkage = nil
        case "0": phoneLinkage = false
        case "1": phoneLinkage = true
        default: throw ValidationError("query parameter 'phonelinkage' must be 0 or 1")
        }
        if autoflag == "true" {
            return ResetSkillRequest(agent: agent, selection: .allConfigured, phoneLinkage: phoneLinkage)
        }
        var ids: [Int64] = []
        if let skillParam, !skillParam.isEmpty {
            for part in skillParam.split(separator: ";", omittingEmptySubsequences: false) {
                guard !part.isEmpty, part.utf8.count <= 18, part.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
                    let id = Int64(part)
                else {
                    throw ValidationError("query parameter 'skillid' must be skill ids (digits) separated by ';'")
                }
                ids.append(id)
            }
        }
        switch SkillSelection.validated(ids) {
        case .success(let selection):
            return ResetSkillRequest(agent: agent, selection: selection, phoneLinkage: phoneLinkage)
        case .failure(.tooLong(let length)):
            throw ValidationError("the skill ids join to \(length) characters; the gateway accepts at most \(SkillSelection.maxSkillIDLength)")
        case .failure(.notPositive):
            throw ValidationError("skill ids must be positive integers")
        }
    }
}

extension String {
    /// `%3B`/`%3b` → `;`; the only escape a `skillid` value legitimately carries.
    fileprivate func replacingPercentSemicolons() -> String {
        guard contains("%") else { return self }
        var out = ""
        var rest = Substring(self)
        while let range = rest.firstIndex(of: "%") {
            out += rest[..<range]
            let after = rest[range...]
            if after.count >= 3, after.dropFirst().prefix(2).uppercased() == "3B" {
                out += ";"
                rest = after.dropFirst(3)
            } else {
                out += "%"
                rest = after.dropFirst()
            }
        }
        return out + rest
    }
}
