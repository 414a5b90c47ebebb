import Foundation
import Hummingbird
import ShimCore

/// `GET /v1/agents`, `GET /v1/agents/{agentId}` and `GET /v1/agents/{agentId}/skills`.
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
        let outOfSync = statuses.filter { $0["skillsInSync"] == .bool(false) }.count
        var members: [(key: String, value: JSONValue)] = [("agents", .array(statuses)), ("skillsOutOfSync", .integer(Int64(outOfSync)))]
        if !warnings.isEmpty { members.append(("warnings", .array(warnings.map(JSONValue.string)))) }
        return .json(.object(members))
    }

    /// One agent's status. In cluster mode the status is the owner's: a request that
    /// reached another member is forwarded to it (nothing is claimed for a read), and
    /// the answer adds `owner` and `ownerSince`.
    func get(_ request: Request, context: Context) async throws -> Response {
        try await ownersView(request, context) { session in await session.status().json }
    }

    /// The agent's skills (issue "skills that stick"): those configured for it on the
    /// gateway (`agentskills`, PROTOCOL.md §5.2, cached), the desired choice, what the
    /// last reset of the current session joined (desired ∩ configured: the gateway joins
    /// the intersection, §5.1), when and by which origin, and whether the session has it.
    /// When the configured skills cannot be read, the rest is shown with `configuredError`.
    func skills(_ request: Request, context: Context) async throws -> Response {
        try await ownersView(request, context) { session in await Self.skillsView(session) }
    }

    static func skillsView(_ session: AgentSession) async -> JSONValue {
        let state = await session.skillsState()
        var configured: [ConfiguredSkill]?
        var configuredError: String?
        var configuredAge: Double?
        do {
            let read = try await session.configuredSkills()
            configured = read.skills
            let age = read.at.duration(to: .now)
            configuredAge = Double(age.components.seconds) + Double(age.components.attoseconds) / 1e18
        } catch {
            configuredError = error.message
        }
        let joined = state.applied.flatMap { applied in configured.map { applied.choice.joined(configured: $0.map(\.id)) } }
        var desired: JSONValue = .null
        if let wanted = state.desired {
            var members = wanted.choice.jsonMembers
            members.append(("source", .string(wanted.source.rawValue)))
            members.append(("setAt", wanted.setAt.map { .string(Self.time($0)) } ?? .null))
            members.append(("requestId", wanted.requestID.map(JSONValue.string) ?? .null))
            desired = .object(members)
        }
        var applied: JSONValue = .null
        if let done = state.applied {
            var members = done.choice.jsonMembers
            members.append(("origin", .string(done.origin.rawValue)))
            members.append(("at", .string(Self.time(done.at))))
            members.append(("requestId", done.requestID.map(JSONValue.string) ?? .null))
            applied = .object(members)
        }
        let configuredJSON: JSONValue = configured.map { JSONValue.array($0.map(\.json)) } ?? .null
        let joinedJSON: JSONValue = joined.map { ids in JSONValue.array(ids.map { JSONValue.integer(Int64($0)) }) } ?? .null
        let inSync: JSONValue = state.inSync.map(JSONValue.bool) ?? .null
        let reapply: JSONValue = .object([
            ("state", .string(state.reapply.name)), ("problem", state.reapply.problem.map(JSONValue.string) ?? .null),
        ])
        var members: [(key: String, value: JSONValue)] = [("agentId", .string(session.agentID.rawValue)), ("signedIn", .bool(state.signedIn))]
        members.append(("configured", configuredJSON))
        members.append(("configuredAgeSeconds", configuredAge.map(JSONValue.double) ?? .null))
        members.append(("configuredError", configuredError.map(JSONValue.string) ?? .null))
        members.append(("desired", desired))
        members.append(("applied", applied))
        members.append(("joined", joinedJSON))
        members.append(("inSync", inSync))
        members.append(("reapply", reapply))
        return .object(members)
    }

    static func time(_ milliseconds: Int64) -> String { Date.rfc3339(Date(timeIntervalSince1970: Double(milliseconds) / 1000)) }

    /// A read of one agent: caller, scope, and in cluster mode the owner's answer (a
    /// request that reached another member is forwarded to it; nothing is claimed for a
    /// read), with `owner` and `ownerSince` added.
    private func ownersView(_ request: Request, _ context: Context, view: (AgentSession) async -> JSONValue) async throws -> Response {
        let peer = try cluster?.peer(of: request)
        let caller = peer == nil ? try authenticator.caller(authorization: request.headers[.authorization]) : nil
        let id = try context.agentID()
        try CallerAuthenticator.authorize(caller, agent: id)
        guard let session = registry.session(for: id) else { throw APIError.unknownAgent(id) }
        guard let cluster else { return .json(await view(session)) }
        let owner = await cluster.member.owner(of: id)
        if peer == nil, let owner, owner.record.member != cluster.memberID, !owner.record.url.isEmpty {
            let result = await cluster.forwarder.forward(
                method: .get, uri: request.uri.description, body: ByteBuffer(), contentType: nil, to: owner.record.url,
                requestID: context.requestID, client: caller?.name, timeout: .seconds(5))
            if case .answered(let response, _, _) = result { return response }
        }
        let json = await view(session)
        guard case .object(var fields) = json else { return .json(json) }
        fields.append(("owner", owner.map { .string($0.record.member) } ?? .null))
        fields.append(("ownerSince", owner.map { .string($0.record.since) } ?? .null))
        fields.sort { $0.key < $1.key }
        var response = Response.json(.object(fields))
        if owner?.record.member == cluster.memberID { response.headers[PeerForwarder.owner] = cluster.memberID }
        return response
    }
}
