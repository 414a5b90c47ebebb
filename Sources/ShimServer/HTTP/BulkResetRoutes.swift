import HTTPTypes
import Hummingbird
import Logging
import NIOConcurrencyHelpers
import NIOCore
import ShimCore

/// `POST /v1/reset-skill`: many agents reset in one call (a shift change).
///
/// One answer with a result per agent, in the order given, never all-or-nothing: an
/// entry that is invalid (400), outside the caller's scope (403) or unknown (404) is
/// answered at once and the others proceed. The gateway-bound entries are paced
/// (`bulk.concurrency` at once, `bulk.ratePerSecond` started per second) and each goes
/// exactly the way a single reset does (`ResetSkillRoutes.perform`: the session here or,
/// in cluster mode, the owner), with its own `resetSkill` line under the bulk's request id.
struct BulkResetRoutes {
    typealias Context = ShimRequestContext
    /// The body limit of this route: 10,000 entries fit with room to spare.
    static let maxBodyBytes = 8 << 20

    let resets: ResetSkillRoutes
    let settings: ShimConfig.Bulk

    func reset(_ request: Request, context: Context) async throws -> Response {
        let identity = try context.identity.authenticated()
        let body: ByteBuffer
        do {
            body = try await request.body.collect(upTo: Self.maxBodyBytes)
        } catch is NIOTooManyBytesError {
            throw APIError.payloadTooLarge(limit: Self.maxBodyBytes)
        }
        let bulk = try BulkResetRequest.parse(body: body.readableBytesView, maxAgents: settings.maxAgents)
        let results = NIOLockedValueBox([JSONValue?](repeating: nil, count: bulk.rows.count))
        // Rows that need no gateway call are answered first, without pacing.
        var paced: [(index: Int, request: ResetSkillRequest, session: AgentSession)] = []
        for (index, row) in bulk.rows.enumerated() {
            switch precheck(row, identity: identity) {
            case .answer(let error, let agent):
                var line = ResetSkillLogLine(route: "bulk", identity: identity)
                line.agent = agent.flatMap(AgentID.init)
                if case .valid(let parsed) = row { line.request = parsed }
                line.emit(failure: error, to: context.logger)
                results.withLockedValue { $0[index] = Self.row(agent: agent, error: error) }
            case .send(let parsed, let session):
                paced.append((index, parsed, session))
            }
        }
        let pacer = Pacer(ratePerSecond: settings.ratePerSecond)
        let nextRow = NIOLockedValueBox(0)
        let work = paced
        await withDiscardingTaskGroup { group in
            for _ in 0..<min(settings.concurrency, work.count) {
                group.addTask {
                    while true {
                        let position = nextRow.withLockedValue { value -> Int in
                            defer { value += 1 }
                            return value
                        }
                        guard position < work.count else { return }
                        let item = work[position]
                        let result: JSONValue
                        do {
                            try await pacer.wait()
                            result = await send(item.request, session: item.session, identity: identity, context: context)
                        } catch {
                            result = Self.row(agent: item.request.agent.rawValue, error: APIError(CutOff.drain))
                        }
                        results.withLockedValue { $0[item.index] = result }
                    }
                }
            }
        }
        let rows = results.withLockedValue { $0.map { $0 ?? .null } }
        let succeeded = rows.filter { $0["status"] == .integer(200) }.count
        return .json(
            .object([
                ("requestId", .string(context.requestID)), ("agents", .integer(Int64(rows.count))),
                ("succeeded", .integer(Int64(succeeded))), ("failed", .integer(Int64(rows.count - succeeded))), ("results", .array(rows)),
            ]))
    }

    private enum Precheck {
        case answer(APIError, agent: String?)
        case send(ResetSkillRequest, AgentSession)
    }

    /// Validation, scope and the agent's place in the config: what is decided here.
    private func precheck(_ row: BulkResetRequest.Row, identity: Identity) -> Precheck {
        switch row {
        case .invalid(let agent, let message):
            return .answer(.invalidRequest(message), agent: agent)
        case .valid(let parsed):
            do throws(AuthFailure) {
                try identity.authorize(parsed.agent)
            } catch {
                return .answer(APIError(error), agent: parsed.agent.rawValue)
            }
            guard let session = resets.registry.session(for: parsed.agent) else {
                return .answer(.unknownAgent(parsed.agent), agent: parsed.agent.rawValue)
            }
            return .send(parsed, session)
        }
    }

    /// One gateway-bound row: the single reset's path, its own log line, its result.
    private func send(_ parsed: ResetSkillRequest, session: AgentSession, identity: Identity, context: Context) async -> JSONValue {
        var line = ResetSkillLogLine(route: "bulk", identity: identity)
        line.agent = parsed.agent
        line.request = parsed
        let agent = parsed.agent.rawValue
        let forwardable = AgentRequest(
            agent: parsed.agent, method: .post, uri: "/v1/agents/\(agent)/reset-skill", body: ByteBuffer(string: Self.singleBody(parsed).serialized),
            contentType: "application/json", requestID: context.requestID, identity: identity)
        let here = resets.owners.memberID
        let served: Served<ResetSkillOutcome>
        do {
            served = try await resets.perform(parsed, forwardable, session: session)
        } catch {
            return Self.row(agent: agent, error: line.emit(failure: error, to: context.logger))
        }
        switch served {
        case .here(.success(let outcome)):
            if let error = line.emit(outcome, to: context.logger) { return Self.row(agent: agent, error: error, owner: here) }
            let envelope = outcome.answer.decoded
            return Self.row(
                agent: agent, status: 200,
                fields: [("retcode", .string(envelope?.retcode.rawValue ?? "0")), ("message", .string(envelope?.message ?? ""))], owner: here)
        case .here(.failure(let failure)):
            return Self.row(agent: agent, error: line.emit(failure: failure, to: context.logger), owner: here)
        case .forwarded(let answer):
            line.emit(answer, to: context.logger)
            var fields: [(key: String, value: JSONValue)] = []
            if let error = answer.json?["error"] {
                fields.append(("error", error))
            } else {
                fields.append(("retcode", answer.json?["retcode"] ?? .null))
                fields.append(("message", answer.json?["message"] ?? .null))
            }
            return Self.row(agent: agent, status: answer.status, fields: fields, owner: answer.response.headers[PeerForwarder.owner])
        }
    }

    /// The single route's body for one row (what the owner receives when it is forwarded).
    static func singleBody(_ request: ResetSkillRequest) -> JSONValue {
        var members: [(key: String, value: JSONValue)] = []
        switch request.selection {
        case .allConfigured: members.append(("allConfiguredSkills", .bool(true)))
        case .skills(let ids): members.append(("skills", .array(ids.map { .integer(Int64($0)) })))
        }
        if let phoneLinkage = request.phoneLinkage { members.append(("phoneLinkage", .bool(phoneLinkage))) }
        return .object(members)
    }

    static func row(agent: String?, error: APIError, owner: String? = nil) -> JSONValue {
        row(agent: agent, status: Int(error.status.code), fields: [("error", error.body)], owner: owner)
    }

    static func row(agent: String?, status: Int, fields: [(key: String, value: JSONValue)], owner: String?) -> JSONValue {
        var members: [(key: String, value: JSONValue)] = [("agentId", agent.map(JSONValue.string) ?? .null), ("status", .integer(Int64(status)))]
        members.append(contentsOf: fields)
        if let owner { members.append(("owner", .string(owner))) }
        return .object(members)
    }
}
