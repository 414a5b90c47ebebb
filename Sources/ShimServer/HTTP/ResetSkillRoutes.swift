import HTTPTypes
import Hummingbird
import Logging
import ShimCore

/// `POST /v1/agents/{agentId}/reset-skill` and the gateway-compatible
/// `POST /agentgateway/resource/onlineagent/{agentid}/resetskill/{autoflag}`.
///
/// The request path reads in one direction: check the caller and the agent, parse,
/// find who acts for the agent (cluster mode: this member, or the owner it is
/// forwarded to), hand the request to the agent's session (which decides the
/// outcome), map the outcome to HTTP (`APIError+mapping.swift`), write one log line.
struct ResetSkillRoutes {
    typealias Context = ShimRequestContext
    let registry: SessionRegistry
    let requestTimeout: Duration
    let drainSignal: DrainSignal
    let authenticator: CallerAuthenticator
    /// Cluster mode (issue #11); nil: a single process.
    var cluster: ClusterGate?

    /// The shim's own API: JSON in, clear statuses out.
    func resetSkill(_ request: Request, context: Context) async throws -> Response {
        try await handle("v1", request, context) { agent, body in
            try ResetSkillRequest.parse(agent: agent, body: body.readableBytesView)
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
        try await handle("compat", request, context) { agent, _ in
            try ResetSkillRequest.parseCompat(agent: agent, autoflag: context.parameters.get("autoflag") ?? "", query: request.uri.query)
        } render: { outcome, _ in
            let answer = outcome.answer
            var headers: HTTPFields = [:]
            headers[.contentType] = answer.contentType ?? "application/json; charset=UTF-8"
            return Response(status: .init(code: answer.status), headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: answer.body)))
        }
    }

    /// What both routes share: caller, agent and scope checks, the owner, the deadline,
    /// and exactly one `resetSkill` log line whatever the outcome.
    private func handle(
        _ route: String, _ request: Request, _ context: Context,
        parse: (AgentID, ByteBuffer) throws -> ResetSkillRequest,
        render: (ResetSkillOutcome, AgentID) throws -> Response
    ) async throws -> Response {
        var line = ResetSkillLogLine(route: route)
        var servedHere = false
        do {
            // A forwarded request was authenticated and scoped by the member the caller reached.
            let peer = try cluster?.peer(of: request)
            line.forwardedFrom = peer?.member
            let caller = peer == nil ? try authenticator.caller(authorization: request.headers[.authorization]) : nil
            line.client = peer?.client ?? caller?.name
            let agent = try context.agentID()
            line.agent = agent
            try CallerAuthenticator.authorize(caller, agent: agent)
            guard let session = registry.session(for: agent) else { throw APIError.unknownAgent(agent) }
            let body = try await request.body.collect(upTo: APIError.maxBodyBytes)
            let parsed = try parse(agent, body)
            line.request = parsed
            var fresh = false
            var retried = false
            while true {
                let decision = await cluster?.member.route(agent, forwarded: peer != nil, fresh: fresh) ?? .serve
                switch decision {
                case .serve:
                    servedHere = true
                    do {
                        let deadline = ContinuousClock.now + requestTimeout
                        let outcome = try await withDeadline(deadline, drain: drainSignal) {
                            try await session.resetSkill(parsed, deadline: deadline)
                        }
                        line.retcode = outcome.answer.retcode
                        line.attempts = outcome.attempts
                        var response = try render(outcome, agent)
                        if let cluster { response.headers[PeerForwarder.owner] = cluster.memberID }
                        line.emit(to: context.logger, status: Int(response.status.code))
                        return response
                    } catch let failure as SessionFailure where failure.kind == .notOwner && !retried {
                        // The agent changed hands under us: the member that forwarded it resolves
                        // the owner again; a caller's own request is routed once more here.
                        servedHere = false
                        if peer != nil { throw APIError.notOwner(agent) }
                        retried = true
                        fresh = true
                    }
                case .forward(let member, let url):
                    guard let cluster else { throw APIError.clusterUnavailable("no cluster") }
                    line.forwardedTo = member
                    let started = ContinuousClock.now
                    let result = await cluster.forwarder.forward(
                        method: request.method, uri: request.uri.description, body: body, contentType: request.headers[.contentType], to: url,
                        requestID: context.requestID, client: line.client, timeout: cluster.forwardTimeout)
                    switch result {
                    case .answered(let response, let status, let bytes):
                        cluster.member.metrics.forwarded(result: String(status), duration: ContinuousClock.now - started)
                        line.readForwarded(bytes)
                        line.emit(to: context.logger, status: status)
                        return response
                    case .notOwner where !retried:
                        cluster.member.metrics.forwarded(result: "421", duration: ContinuousClock.now - started)
                        retried = true
                        fresh = true
                    case .unreachable where !retried:
                        cluster.member.metrics.forwarded(result: "unreachable", duration: ContinuousClock.now - started)
                        retried = true
                        fresh = true
                        // A leaving member releases its agents within moments; a dead one's lease runs out.
                        _ = await cluster.member.waitForOwnerChange(agent, from: member, until: started + requestTimeout)
                    case .notOwner, .unreachable:
                        throw APIError.clusterUnavailable("the member that holds agent \(agent) cannot serve it now; send the request again")
                    }
                case .notOwner:
                    throw APIError.notOwner(agent)
                case .unavailable(let message):
                    throw APIError.clusterUnavailable(message)
                }
            }
        } catch {
            var apiError = APIError(error)
            if servedHere, let cluster { apiError.headers[PeerForwarder.owner] = cluster.memberID }
            line.errorCode = apiError.code
            if line.retcode == nil { line.retcode = apiError.retcode }
            line.emit(to: context.logger, status: Int(apiError.status.code))
            throw apiError
        }
    }
}
