import HTTPTypes
import Hummingbird
import Logging
import ShimCore

/// `POST /v1/agents/{agentId}/reset-skill` and the gateway-compatible
/// `POST /agentgateway/resource/onlineagent/{agentid}/resetskill/{autoflag}`.
///
/// The request path reads in one direction: the caller (on the context, `AuthMiddleware`)
/// and its scope, the agent, parsing, the owner (`OwnerDispatch`: here, or forwarded once),
/// the agent's session (which decides the outcome), the HTTP answer
/// (`APIError+mapping.swift`), one log line. The bulk route sends each row through `perform`.
struct ResetSkillRoutes {
    typealias Context = ShimRequestContext
    let registry: SessionRegistry
    let requestTimeout: Duration
    let drainSignal: DrainSignal
    let owners: any OwnerDispatch

    /// The shim's own API: JSON in, clear statuses out.
    func resetSkill(_ request: Request, context: Context) async throws -> Response {
        try await handle("v1", request, context) { agent, body in
            try ResetSkillRequest.parse(agent: agent, body: body.readableBytesView)
        } render: { outcome, agent, line in
            if let error = line.emit(outcome, to: context.logger) { throw Rendered(error: error) }
            return .json(Self.successBody(outcome, agent: agent, requestID: context.requestID))
        }
    }

    /// The body of a success on the `/v1` route.
    static func successBody(_ outcome: ResetSkillOutcome, agent: AgentID, requestID: String) -> JSONValue {
        let envelope = outcome.answer.decoded
        return .object([
            ("agentId", .string(agent.rawValue)),
            ("retcode", .string(envelope?.retcode.rawValue ?? "0")),
            ("message", .string(envelope?.message ?? "")),
            ("result", envelope?.result ?? .object([])),
            ("requestId", .string(requestID)),
        ])
    }

    /// The gateway's own path: the gateway's final status and body come back
    /// unchanged whatever the retcode; only shim-side failures use the shim's errors.
    func compatResetSkill(_ request: Request, context: Context) async throws -> Response {
        try await handle("compat", request, context) { agent, _ in
            try ResetSkillRequest.parseCompat(agent: agent, autoflag: context.parameters.get("autoflag") ?? "", query: request.uri.query)
        } render: { outcome, _, line in
            let answer = outcome.answer
            line.retcode = answer.retcode
            line.attempts = outcome.attempts
            line.emit(to: context.logger, status: answer.status)
            var headers: HTTPFields = [:]
            headers[.contentType] = answer.contentType ?? "application/json; charset=UTF-8"
            return Response(status: .init(code: answer.status), headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: answer.body)))
        }
    }

    /// An error whose line is written already.
    private struct Rendered: Error {
        let error: APIError
    }

    /// What both routes share: the caller's scope, the agent, parsing, the owner, and
    /// exactly one `resetSkill` log line whatever the outcome (`render` writes it for an
    /// answer given here).
    private func handle(
        _ route: String, _ request: Request, _ context: Context,
        parse: (AgentID, ByteBuffer) throws -> ResetSkillRequest,
        render: (ResetSkillOutcome, AgentID, inout ResetSkillLogLine) throws -> Response
    ) async throws -> Response {
        var line = ResetSkillLogLine(route: route, identity: context.identity)
        var servedHere = false
        do {
            let agent = try context.agentID()
            line.agent = agent
            try context.identity.authorize(agent)
            guard let session = registry.session(for: agent) else { throw APIError.unknownAgent(agent) }
            let body = try await request.body.collect(upTo: APIError.maxBodyBytes)
            let parsed = try parse(agent, body)
            line.request = parsed
            let forwardable = AgentRequest(
                agent: agent, method: request.method, uri: request.uri.description, body: body, contentType: request.headers[.contentType],
                requestID: context.requestID, identity: context.identity)
            switch try await perform(parsed, forwardable, session: session) {
            case .here(let result):
                servedHere = true
                var response = try render(try result.get(), agent, &line)
                if let member = owners.memberID { response.headers[PeerForwarder.owner] = member }
                return response
            case .forwarded(let answer):
                line.emit(answer, to: context.logger)
                return answer.response
            }
        } catch let rendered as Rendered {
            throw owned(rendered.error)
        } catch {
            let apiError = line.emit(failure: error, to: context.logger)
            throw servedHere ? owned(apiError) : apiError
        }
    }

    /// An error of an answer given here carries this member's id in a cluster.
    private func owned(_ error: APIError) -> APIError {
        guard let member = owners.memberID else { return error }
        var error = error
        error.headers[PeerForwarder.owner] = member
        return error
    }

    /// Sends one validated reset of an authenticated, scoped caller to the agent's session
    /// here or, in a cluster, once to its owner; within `requestTimeout` and the shutdown
    /// drain. Throws `ClusterRefusal` when no member can act for the agent now.
    func perform(_ parsed: ResetSkillRequest, _ request: AgentRequest, session: AgentSession) async throws -> Served<ResetSkillOutcome> {
        try await owners.act(on: request) {
            let deadline = ContinuousClock.now + requestTimeout
            return await Result(catching: {
                try await withDeadline(deadline, drain: drainSignal) {
                    try await session.resetSkill(parsed, deadline: deadline, requestID: request.requestID)
                }
            })
        }
    }
}

extension Result where Failure == any Error {
    /// The result of an async throwing body.
    init(catching body: () async throws -> Success) async {
        do {
            self = .success(try await body())
        } catch {
            self = .failure(error)
        }
    }
}
