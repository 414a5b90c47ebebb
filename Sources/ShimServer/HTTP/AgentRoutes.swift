import Foundation
import Hummingbird
import ShimCore

/// `GET /v1/agents`, `GET /v1/agents/{agentId}` and `GET /v1/agents/{agentId}/skills`.
struct AgentRoutes {
    typealias Context = ShimRequestContext
    let registry: SessionRegistry
    /// Configuration choices an operator must not miss (e.g. TLS verification off).
    let warnings: [String]
    let owners: any OwnerDispatch

    /// The agents this caller may see (this member's view in a cluster), with how many
    /// are out of sync and how many the shim is meant to hold but does not.
    func list(_ request: Request, context: Context) async throws -> Response {
        let identity = try context.identity.authenticated()
        var statuses: [AgentStatus] = []
        for session in registry.all where identity.sees(session.agentID) {
            statuses.append(await session.status())
        }
        let outOfSync = statuses.filter { $0.skillsInSync == false }.count
        let signedOut = statuses.filter(\.signedOutUnexpectedly).count
        var members: [(key: String, value: JSONValue)] = [
            ("agents", .array(statuses.map(\.json))), ("signedOutUnexpectedly", .integer(Int64(signedOut))),
            ("skillsOutOfSync", .integer(Int64(outOfSync))),
        ]
        if !warnings.isEmpty { members.append(("warnings", .array(warnings.map(JSONValue.string)))) }
        return .json(.object(members))
    }

    /// One agent's status; in a cluster the owner's (`OwnerDispatch.read`).
    func get(_ request: Request, context: Context) async throws -> Response {
        try await ownersView(request, context) { session in await session.status().json }
    }

    /// The agent's skills (docs/skills.md): those configured for it on the
    /// gateway (`agentskills`, PROTOCOL.md §5.2, cached), the desired choice, what the last
    /// reset of the current session joined (desired ∩ configured: the gateway joins the
    /// intersection, §5.1), when and by which origin, and whether the session has it.
    /// When the configured skills cannot be read, the rest is shown with `configuredError`.
    func skills(_ request: Request, context: Context) async throws -> Response {
        try await ownersView(request, context) { session in await SkillsView.of(session) }
    }

    /// A read of one agent: the caller's scope, then the owner's view.
    private func ownersView(_ request: Request, _ context: Context, view: @escaping (AgentSession) async -> JSONValue) async throws -> Response {
        let id = try context.agentID()
        try context.identity.authorize(id)
        guard let session = registry.session(for: id) else { throw APIError.unknownAgent(id) }
        let forwardable = AgentRequest(
            agent: id, method: .get, uri: request.uri.description, body: ByteBuffer(), contentType: nil, requestID: context.requestID,
            identity: context.identity)
        return await owners.read(forwardable) { await view(session) }
    }
}
