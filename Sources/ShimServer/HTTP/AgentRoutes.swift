import Hummingbird
import ShimCore

/// `GET /v1/agents` and `GET /v1/agents/{agentId}`.
struct AgentRoutes {
    typealias Context = ShimRequestContext
    let registry: SessionRegistry
    let authenticator: CallerAuthenticator
    /// Configuration choices an operator must not miss (e.g. TLS verification off).
    let warnings: [String]

    /// The agents this caller may see.
    func list(_ request: Request, context: Context) async throws -> Response {
        let caller = try authenticator.caller(authorization: request.headers[.authorization])
        var statuses: [JSONValue] = []
        for session in registry.all where caller?.scope.allows(session.agentID) ?? true {
            statuses.append(await session.status().json)
        }
        var members: [(key: String, value: JSONValue)] = [("agents", .array(statuses))]
        if !warnings.isEmpty { members.append(("warnings", .array(warnings.map(JSONValue.string)))) }
        return .json(.object(members))
    }

    func get(_ request: Request, context: Context) async throws -> Response {
        let caller = try authenticator.caller(authorization: request.headers[.authorization])
        let id = try context.agentID()
        try CallerAuthenticator.authorize(caller, agent: id)
        guard let session = registry.session(for: id) else { throw APIError.unknownAgent(id) }
        return .json(await session.status().json)
    }
}
