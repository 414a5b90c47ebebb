import HTTPTypes
import Hummingbird
import Logging
import ShimCore

/// `POST /v1/agents/{agentId}/reset-skill` and the gateway-compatible
/// `POST /agentgateway/resource/onlineagent/{agentid}/resetskill/{autoflag}`.
///
/// The request path reads in one direction: check the caller and the agent, parse,
/// hand the request to the agent's session (which decides the outcome), map the
/// outcome to HTTP (`APIError+mapping.swift`), write one log line.
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
            if let error = APIError(outcome) { throw error }
            let envelope = outcome.answer.decoded
            return .json(
                .object([
                    ("agentId", .string(agent.rawValue)),
                    ("retcode", .string(envelope?.retcode.rawValue ?? "0")),
                    ("message", .string(envelope?.message ?? "")),
                    ("result", envelope?.result ?? .object([])),
                    ("requestId", .string(context.requestID)),
                ]))
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
            let agent = try context.agentID()
            line.agent = agent
            try CallerAuthenticator.authorize(caller, agent: agent)
            guard let session = registry.session(for: agent) else { throw APIError.unknownAgent(agent) }
            let parsed = try await parse(agent)
            line.request = parsed
            let deadline = ContinuousClock.now + requestTimeout
            let outcome = try await withDeadline(deadline, drain: drainSignal) { try await session.resetSkill(parsed, deadline: deadline) }
            line.retcode = outcome.answer.retcode
            line.attempts = outcome.attempts
            let response = try render(outcome, agent)
            line.emit(to: context.logger, status: Int(response.status.code))
            return response
        } catch {
            let apiError = APIError(error)
            line.errorCode = apiError.code
            if line.retcode == nil { line.retcode = apiError.retcode }
            line.emit(to: context.logger, status: Int(apiError.status.code))
            throw apiError
        }
    }
}
