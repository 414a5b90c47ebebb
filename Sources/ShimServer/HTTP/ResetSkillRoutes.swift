import GatewayClient
import HTTPTypes
import Hummingbird
import Logging
import ShimCore

/// `POST /v1/agents/{agentId}/reset-skill` and the gateway-compatible
/// `POST /agentgateway/resource/onlineagent/{agentid}/resetskill/{autoflag}`.
struct ResetSkillRoutes {
    typealias Context = ShimRequestContext
    let registry: SessionRegistry
    let requestTimeout: Duration
    let drainSignal: DrainSignal
    let authenticator: CallerAuthenticator

    /// The shim's own API: JSON in, clear statuses out.
    func resetSkill(_ request: Request, context: Context) async throws -> Response {
        try await handle("v1", request, context) { agent in
            let body = try await request.body.collect(upTo: APIError.maxBodyBytes)
            return try ResetSkillRequest.parse(agent: agent, body: body.readableBytesView)
        } render: { outcome, agent in
            try render(outcome, agent: agent, requestID: context.requestID)
        }
    }

    /// The gateway's own path: the gateway's final status and body come back
    /// unchanged whatever the retcode; only shim-side failures use the shim's errors.
    func compatResetSkill(_ request: Request, context: Context) async throws -> Response {
        try await handle("compat", request, context) { agent in
            try ResetSkillRequest.parseCompat(agent: agent, autoflag: context.parameters.get("autoflag") ?? "", query: request.uri.query)
        } render: { outcome, _ in
            let answer = outcome.answer
            var headers: HTTPFields = [:]
            headers[.contentType] = answer.contentType ?? "application/json; charset=UTF-8"
            return Response(status: .init(code: answer.status), headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: answer.body)))
        }
    }

    /// What both routes share: caller, agent and scope checks, forwarding within the
    /// deadline, and exactly one `resetSkill` log line whatever the outcome.
    private func handle(
        _ route: String, _ request: Request, _ context: Context,
        parse: (AgentID) async throws -> ResetSkillRequest,
        render: (ResetSkillOutcome, AgentID) throws -> Response
    ) async throws -> Response {
        var line = ResetSkillLogLine(route: route)
        do {
            let caller = try authenticator.caller(authorization: request.headers[.authorization])
            line.client = caller?.name
            let agent = try agentID(context.parameters.get("agentId"))
            line.agent = agent
            try CallerAuthenticator.authorize(caller, agent: agent)
            let session = try session(for: agent)
            let parsed: ResetSkillRequest
            do {
                parsed = try await parse(agent)
            } catch let error as ValidationError {
                throw APIError.invalidRequest(error.message)
            }
            line.request = parsed
            let outcome = try await forward(parsed, to: session)
            line.retcode = outcome.answer.retcode
            line.attempts = outcome.attempts
            let response = try render(outcome, agent)
            line.emit(to: context.logger, status: Int(response.status.code))
            return response
        } catch {
            let apiError = APIError.from(error)
            line.errorCode = apiError.code
            if line.retcode == nil { line.retcode = apiError.retcode }
            line.emit(to: context.logger, status: Int(apiError.status.code))
            throw apiError
        }
    }

    private func agentID(_ text: String?) throws -> AgentID {
        guard let text, let id = AgentID(text) else {
            throw APIError.invalidRequest("the agent id must be a number from 101 to 999999 in plain digits")
        }
        return id
    }

    private func session(for id: AgentID) throws -> AgentSession {
        guard let session = registry.session(for: id) else { throw APIError.unknownAgent(id) }
        return session
    }

    /// Forwards within the request's budget (`gateway.requestTimeout`).
    private func forward(_ request: ResetSkillRequest, to session: AgentSession) async throws -> ResetSkillOutcome {
        let deadline = ContinuousClock.now + requestTimeout
        return try await withDeadline(deadline, drain: drainSignal) { try await session.resetSkill(request, deadline: deadline) }
    }

    /// Maps the gateway's final answer to the shim's statuses (issue #2's table).
    private func render(_ outcome: ResetSkillOutcome, agent: AgentID, requestID: String) throws -> Response {
        let answer = outcome.answer
        guard answer.status == 200 else {
            throw APIError(.badGateway, "gateway_error", "the gateway answered HTTP \(answer.status)", retcode: answer.retcode)
        }
        let envelope: GatewayEnvelope
        switch answer.envelope {
        case .success(let value): envelope = value
        case .failure(let error):
            throw APIError(.badGateway, "gateway_error", "the gateway's answer is not its JSON envelope: \(error.reason)")
        }
        let detail = envelope.message.isEmpty ? "" : ": \(envelope.message.prefix(200))"
        switch envelope.retcode.disposition {
        case .success:
            let body = JSONValue.object([
                ("agentId", .string(agent.rawValue)),
                ("retcode", .string(envelope.retcode.rawValue)),
                ("message", .string(envelope.message)),
                ("result", envelope.result ?? .object([])),
                ("requestId", .string(requestID)),
            ])
            return .json(body)
        case _ where outcome.sessionLost:
            throw APIError(
                .badGateway, "gateway_session_lost",
                "the gateway still refused the session (\(envelope.retcode)) after re-authentication and one replay",
                retcode: envelope.retcode)
        case .rejected:
            throw APIError(.badRequest, "gateway_rejected", "the gateway rejected the request (\(envelope.retcode))\(detail)", retcode: envelope.retcode)
        default:
            throw APIError(.badGateway, "gateway_error", "the gateway answered \(envelope.retcode)\(detail)", retcode: envelope.retcode)
        }
    }
}
