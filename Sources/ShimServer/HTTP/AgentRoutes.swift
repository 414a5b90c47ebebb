import Foundation
import Hummingbird
import ShimCore

/// `GET /v1/agents`, `GET /v1/agents/{agentId}` and `GET /healthz`.
struct AgentRoutes {
    typealias Context = ShimRequestContext
    let registry: SessionRegistry

    func list(_ request: Request, context: Context) async throws -> Response {
        var statuses: [AgentStatus] = []
        for session in registry.all { statuses.append(await session.status()) }
        return try Self.encode(["agents": statuses])
    }

    func get(_ request: Request, context: Context) async throws -> Response {
        guard let text = context.parameters.get("agentId"), let id = AgentID(text) else {
            throw APIError.invalidRequest("the agent id must be a number from 101 to 999999 in plain digits")
        }
        guard let session = registry.session(for: id) else { throw APIError.unknownAgent(id) }
        return try Self.encode(await session.status())
    }

    func health(_ request: Request, context: Context) async throws -> Response {
        .json(.object([("status", "ok")]))
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
