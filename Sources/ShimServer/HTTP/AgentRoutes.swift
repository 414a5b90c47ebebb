import Foundation
import HTTPTypes
import Hummingbird
import ShimCore

/// `GET /v1/agents`, `GET /v1/agents/{agentId}` and `GET /healthz`.
struct AgentRoutes {
    typealias Context = ShimRequestContext
    let registry: SessionRegistry
    let authenticator: CallerAuthenticator
    /// Configuration choices an operator must not miss (e.g. TLS verification off).
    let warnings: [String]

    /// The agents this caller may see.
    func list(_ request: Request, context: Context) async throws -> Response {
        let caller = try authenticator.caller(authorization: request.headers[.authorization])
        var statuses: [AgentStatus] = []
        for session in registry.all where caller?.scope.allows(session.agentID) ?? true {
            statuses.append(await session.status())
        }
        return try Self.encode(AgentList(agents: statuses, warnings: warnings.isEmpty ? nil : warnings))
    }

    func get(_ request: Request, context: Context) async throws -> Response {
        let caller = try authenticator.caller(authorization: request.headers[.authorization])
        guard let text = context.parameters.get("agentId"), let id = AgentID(text) else {
            throw APIError.invalidRequest("the agent id must be a number from 101 to 999999 in plain digits")
        }
        try CallerAuthenticator.authorize(caller, agent: id)
        guard let session = registry.session(for: id) else { throw APIError.unknownAgent(id) }
        return try Self.encode(await session.status())
    }

    struct AgentList: Encodable {
        let agents: [AgentStatus]
        let warnings: [String]?
    }

    static func encode(_ value: some Encodable) throws -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let data = try encoder.encode(value)
        return Response(
            status: .ok, headers: [.contentType: "application/json; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}
