/// One CC-Gateway call the shim makes, with the name the gateway uses for it in
/// its own logs (PROTOCOL.md §1.3) and the HTTP method and path it lives at.
public enum GatewayOperation: Sendable, Equatable {
    /// `PUT onlineagent/{id}` (§2.1).
    case login(AgentID)
    /// `PUT onlineagent/{id}/forcelogin` (§2.2): displaces the current session.
    case forceLogin(AgentID)
    /// `GET agentevent/{id}` (§4.1): the long poll that is also the heartbeat.
    case getAgentEvent(AgentID)
    /// `PUT onlineagent/{id}/updateGuid` (§3.3).
    case updateGuid(AgentID)
    /// `POST onlineagent/{id}/resetskill/{autoflag}` (§5.1).
    case resetSkill(AgentID, SkillSelection, phoneLinkage: Bool?)
    /// `DELETE onlineagent/{id}/logout` (§2.3).
    case logout(AgentID)
    /// `GET onlineagent/{id}/agentskills` (§5.2): the skills configured for the signed-in agent.
    case queryAgentSkills(AgentID)

    public static let basePath = "/agentgateway/resource"

    /// The gateway's log name for the operation.
    public var logName: String {
        switch self {
        case .login: "login"
        case .forceLogin: "forceLogin"
        case .getAgentEvent: "getAgentEvent"
        case .updateGuid: "updateGuid"
        case .resetSkill: "resetSkill"
        case .logout: "logout"
        case .queryAgentSkills: "queryAgentSkills"
        }
    }

    /// The agent the call is made for.
    public var agent: AgentID {
        switch self {
        case .login(let a), .forceLogin(let a), .getAgentEvent(let a), .updateGuid(let a), .logout(let a), .queryAgentSkills(let a): a
        case .resetSkill(let a, _, _): a
        }
    }

    /// Whether the gateway holds the call open until an event or its hold time passes
    /// (~10 s, PROTOCOL.md §4.1): only the event poll.
    public var isHeldPoll: Bool {
        if case .getAgentEvent = self { return true }
        return false
    }

    /// The HTTP method.
    public var method: String {
        switch self {
        case .login, .forceLogin, .updateGuid: "PUT"
        case .getAgentEvent, .queryAgentSkills: "GET"
        case .resetSkill: "POST"
        case .logout: "DELETE"
        }
    }

    /// Every call but (forced) sign-in carries the GUID header (§1.2).
    public var needsGUID: Bool {
        switch self {
        case .login, .forceLogin: false
        default: true
        }
    }

    /// Path and query, relative to the gateway's base URL.
    ///
    /// The `;` between skill ids is sent raw, as every public client does (§5.1).
    /// `skillid` is omitted for `autoflag=true`; `phonelinkage` only when given.
    public var pathAndQuery: String {
        let id = agent.rawValue
        switch self {
        case .login: return "\(Self.basePath)/onlineagent/\(id)"
        case .forceLogin: return "\(Self.basePath)/onlineagent/\(id)/forcelogin"
        case .getAgentEvent: return "\(Self.basePath)/agentevent/\(id)"
        case .updateGuid: return "\(Self.basePath)/onlineagent/\(id)/updateGuid"
        case .logout: return "\(Self.basePath)/onlineagent/\(id)/logout"
        case .queryAgentSkills: return "\(Self.basePath)/onlineagent/\(id)/agentskills"
        case .resetSkill(_, let selection, let phoneLinkage):
            var query: [String] = []
            if let skills = selection.joinedSkillIDs { query.append("skillid=\(skills)") }
            if let phoneLinkage { query.append("phonelinkage=\(phoneLinkage ? 1 : 0)") }
            let path = "\(Self.basePath)/onlineagent/\(id)/resetskill/\(selection.autoflag)"
            return query.isEmpty ? path : path + "?" + query.joined(separator: "&")
        }
    }
}
