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
/// The bulk route (`BulkResetRoutes`) sends each of its agents through `perform`.
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
            let forward = Forward(method: request.method, uri: request.uri.description, body: body, contentType: request.headers[.contentType])
            switch try await perform(
                parsed, session: session, peer: peer, requestID: context.requestID, forward: forward, line: &line, servedHere: &servedHere)
            {
            case .here(let outcome):
                var response = try render(outcome, agent)
                if let cluster { response.headers[PeerForwarder.owner] = cluster.memberID }
                line.emit(to: context.logger, status: Int(response.status.code))
                return response
            case .forwarded(let response, let status, _):
                line.emit(to: context.logger, status: status)
                return response
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

    /// How the request is sent on to the owner, unchanged, in cluster mode.
    struct Forward {
        var method: HTTPRequest.Method
        var uri: String
        var body: ByteBuffer
        var contentType: String?
    }

    /// Where one reset was served.
    enum Served {
        /// By the agent's session here.
        case here(ResetSkillOutcome)
        /// By the owner it was forwarded to; its answer unchanged.
        case forwarded(Response, status: Int, body: ByteBuffer)
    }

    /// Sends one validated reset of a caller (already authenticated and scoped) to the
    /// agent's session here or, in cluster mode, once to its owner; within
    /// `requestTimeout` and the shutdown drain. Fills `line` with what happened.
    func perform(
        _ parsed: ResetSkillRequest, session: AgentSession, peer: ClusterGate.Peer?, requestID: String, forward: Forward,
        line: inout ResetSkillLogLine, servedHere: inout Bool
    ) async throws -> Served {
        let agent = parsed.agent
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
                        try await session.resetSkill(parsed, deadline: deadline, requestID: requestID)
                    }
                    line.retcode = outcome.answer.retcode
                    line.attempts = outcome.attempts
                    return .here(outcome)
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
                    method: forward.method, uri: forward.uri, body: forward.body, contentType: forward.contentType, to: url,
                    requestID: requestID, client: line.client, timeout: cluster.forwardTimeout)
                switch result {
                case .answered(let response, let status, let bytes):
                    cluster.member.metrics.forwarded(result: String(status), duration: ContinuousClock.now - started)
                    line.readForwarded(bytes)
                    return .forwarded(response, status: status, body: bytes)
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
    }
}
