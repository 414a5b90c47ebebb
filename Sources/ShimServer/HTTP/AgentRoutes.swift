import Hummingbird
import ShimCore

/// `GET /v1/agents` and `GET /v1/agents/{agentId}`.
struct AgentRoutes {
    typealias Context = ShimRequestContext
    let registry: SessionRegistry
    let authenticator: CallerAuthenticator
    /// Configuration choices an operator must not miss (e.g. TLS verification off).
    let warnings: [String]
    /// Cluster mode (issue #11); nil: a single process.
    var cluster: ClusterGate?

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

    /// One agent's status. In cluster mode the status is the owner's: a request that
    /// reached another member is forwarded to it (nothing is claimed for a read), and
    /// the answer adds `owner` and `ownerSince`.
    func get(_ request: Request, context: Context) async throws -> Response {
        let peer = try cluster?.peer(of: request)
        let caller = peer == nil ? try authenticator.caller(authorization: request.headers[.authorization]) : nil
        let id = try context.agentID()
        try CallerAuthenticator.authorize(caller, agent: id)
        guard let session = registry.session(for: id) else { throw APIError.unknownAgent(id) }
        guard let cluster else { return .json(await session.status().json) }
        let owner = await cluster.member.owner(of: id)
        if peer == nil, let owner, owner.record.member != cluster.memberID, !owner.record.url.isEmpty {
            let result = await cluster.forwarder.forward(
                method: .get, uri: request.uri.description, body: ByteBuffer(), contentType: nil, to: owner.record.url,
                requestID: context.requestID, client: caller?.name, timeout: .seconds(5))
            if case .answered(let response, _, _) = result { return response }
        }
        guard case .object(var fields) = await session.status().json else { return .json(await session.status().json) }
        fields.append(("owner", owner.map { .string($0.record.member) } ?? .null))
        fields.append(("ownerSince", owner.map { .string($0.record.since) } ?? .null))
        fields.sort { $0.key < $1.key }
        var response = Response.json(.object(fields))
        if owner?.record.member == cluster.memberID { response.headers[PeerForwarder.owner] = cluster.memberID }
        return response
    }
}
