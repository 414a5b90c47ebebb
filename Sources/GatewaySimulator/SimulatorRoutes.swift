import Foundation
import Hummingbird
import NIOCore

/// The simulator's HTTP face: the gateway routes (PROTOCOL.md §11) over `SimulatedGateway`,
/// the injected faults and chaos, and the admin API under `/__sim`.
struct SimulatorRoutes: Sendable {
    typealias Context = BasicRequestContext
    static let base = "/agentgateway/resource"

    let gateway: SimulatedGateway
    let options: SimulatorOptions

    /// The gateway routes and the admin API.
    func router() -> Router<Context> {
        let router = Router(context: Context.self)
        let gateway = self.gateway
        router.put("\(Self.base)/onlineagent/:id") { request, context in
            try await self.signIn(request, context, force: false)
        }
        router.put("\(Self.base)/onlineagent/:id/forcelogin") { request, context in
            try await self.signIn(request, context, force: true)
        }
        router.delete("\(Self.base)/onlineagent/:id/logout") { request, context in
            try await self.handle("logout", request, context) { id, guid, cookie in
                (await gateway.logout(id, guid: guid, cookie: cookie), nil)
            }
        }
        router.put("\(Self.base)/onlineagent/:id/updateGuid") { request, context in
            try await self.handle("updateGuid", request, context) { id, guid, cookie in
                (await gateway.updateGuid(id, guid: guid, cookie: cookie), nil)
            }
        }
        router.get("\(Self.base)/onlineagent/:id/agentskills") { request, context in
            try await self.handle("queryAgentSkills", request, context) { id, guid, cookie in
                (await gateway.agentSkills(id, guid: guid, cookie: cookie), nil)
            }
        }
        router.post("\(Self.base)/onlineagent/:id/resetskill/:autoflag") { request, context in
            try await self.handle("resetSkill", request, context) { id, guid, cookie in
                let started = await gateway.beginResetSkill(id, guid: guid, cookie: cookie)
                if let answer = started.answer { return (answer, started.guidState) }
                let query = request.uri.queryParameters
                let skillid = query["skillid"].map {
                    String($0).replacingOccurrences(of: "%3B", with: ";").replacingOccurrences(of: "%3b", with: ";")
                }
                let answer = await gateway.finishResetSkill(
                    id, autoflag: context.parameters.get("autoflag") ?? "", skillid: skillid,
                    phonelinkage: query["phonelinkage"].map(String.init))
                return (answer, started.guidState)
            }
        }
        router.get("\(Self.base)/agentevent/:id") { request, context in
            try await self.handle("getAgentEvent", request, context) { id, guid, cookie in
                switch await gateway.beginPoll(id, guid: guid, cookie: cookie) {
                case .answer(let answer, let state):
                    return (answer, state)
                case .hold(let state):
                    let deadline = ContinuousClock.now + self.options.pollHold
                    while ContinuousClock.now < deadline {
                        await gateway.waitForChange(id, until: deadline)
                        if Task.isCancelled {
                            await gateway.abandonPoll(id)
                            throw CancellationError()
                        }
                        if let answer = await gateway.pollReady(id) { return (answer, state) }
                    }
                    return (await gateway.finishPoll(id), state)
                }
            }
        }
        addAdminRoutes(to: router)
        return router
    }

    /// Sign-in and forced sign-in: no Guid; a JSON body (PROTOCOL.md §2.1, §2.2).
    func signIn(_ request: Request, _ context: Context, force: Bool) async throws -> Response {
        var request = request
        let body = try await request.collectBody(upTo: 1 << 16)
        let json = try? JSONSerialization.jsonObject(with: Data(body.readableBytesView)) as? [String: Any]
        let fields = json.map { SignInFields(password: $0["password"] as? String, phone: $0["phonenum"] as? String) }
        let operation = force ? "forceLogin" : "login"
        return try await handle(operation, request, context) { id, _, _ in
            guard await self.gateway.beginSignIn(id) else { return (SimAnswer("100-021", "agent is already signing in"), nil) }
            let answer = await self.gateway.signIn(id, fields: fields, force: force)
            await self.gateway.endSignIn(id)
            return (answer, nil)
        }
    }

    /// Common handling: concurrency count, journal, faults, then the route's own logic.
    func handle(
        _ operation: String, _ request: Request, _ context: Context,
        _ work: @Sendable (String, String?, String?) async throws -> (SimAnswer, String?)
    ) async throws -> Response {
        await gateway.callStarted(operation)
        do {
            let response = try await answer(operation, request, context, work)
            await gateway.callEnded(operation)
            return response
        } catch {
            await gateway.callEnded(operation)
            throw error
        }
    }

    private func answer(
        _ operation: String, _ request: Request, _ context: Context,
        _ work: @Sendable (String, String?, String?) async throws -> (SimAnswer, String?)
    ) async throws -> Response {
        let id = context.parameters.get("id") ?? ""
        let guid = request.headers[.init("Guid")!]
        let cookie = request.headers[.cookie]
        var entry = JournalEntry(
            sequence: 0, operation: operation, agentID: id, httpMethod: request.method.rawValue, path: request.uri.path,
            query: request.uri.query, guid: guid, cookie: cookie, guidState: nil, retcode: nil, httpStatus: 200, joinedSkills: nil)
        var fault = await gateway.takeFault(operation: operation, agentID: id)
        if fault == nil, let chaos = options.chaos, !["login", "forceLogin", "logout"].contains(operation) {
            fault = await chaosFault(chaos, operation: operation, agentID: id)
        }
        if case .delay(let pause)? = fault {
            try await Task.sleep(for: pause)
            fault = nil
        }
        switch fault {
        case .retcode(let code)?:
            entry.retcode = code
            _ = await gateway.record(entry)
            return Self.render(SimAnswer(code, "injected fault", result: code == "000-003" ? "\"\"" : nil))
        case .httpStatus(let status)?:
            entry.httpStatus = status
            _ = await gateway.record(entry)
            return Response(
                status: .init(code: status), headers: [.contentType: "text/html"],
                body: .init(byteBuffer: ByteBuffer(string: "<html>error \(status)</html>")))
        case .garbage?:
            entry.retcode = "garbage"
            _ = await gateway.record(entry)
            return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: "<html>not json")))
        case .reset?:
            entry.httpStatus = 0
            _ = await gateway.record(entry)
            return Self.droppedConnection()
        case .hugeBody(let size)?:
            entry.retcode = "huge"
            _ = await gateway.record(entry)
            return Response(
                status: .ok, headers: [.contentType: "application/json"],
                body: .init(contentLength: size) { writer in
                    var left = size
                    while left > 0 {
                        let piece = min(left, 65_536)
                        try await writer.write(ByteBuffer(repeating: UInt8(ascii: " "), count: piece))
                        left -= piece
                    }
                })
        case .trickle?:
            entry.retcode = "trickle"
            _ = await gateway.record(entry)
            return Response(
                status: .ok, headers: [.contentType: "application/json"],
                body: .init(contentLength: 600) { writer in
                    for _ in 0..<600 {
                        try await writer.write(ByteBuffer(string: " "))
                        try await Task.sleep(for: .milliseconds(100))
                    }
                })
        case .lostAnswer?:
            let (answer, _) = try await work(id, guid, cookie)
            entry.retcode = answer.retcode
            entry.httpStatus = 0
            _ = await gateway.record(entry)
            return Self.droppedConnection()
        default:
            break
        }
        let (answer, state) = try await work(id, guid, cookie)
        entry.retcode = answer.retcode
        entry.guidState = state ?? answer.guidState
        entry.joinedSkills = answer.joinedSkills
        _ = await gateway.record(entry)
        return Self.render(answer)
    }

    /// Picks at most one random misbehaviour for a call (chaos mode).
    func chaosFault(_ chaos: SimulatorOptions.Chaos, operation: String, agentID: String) async -> FaultRule.Action? {
        if operation == "resetSkill", Double.random(in: 0..<1) < chaos.displacement {
            await gateway.displace(agentID)
        }
        var roll = Double.random(in: 0..<1)
        let table: [(Double, FaultRule.Action)] = [
            (chaos.noRight, .retcode("000-003")), (chaos.notSignedIn, .retcode("100-006")),
            (chaos.operationFailed, .retcode("100-007")), (chaos.switchingOver, .retcode("000-004")),
            (chaos.connectionReset, .reset),
            (
                chaos.slowAnswer,
                .delay(
                    .milliseconds(
                        Int64.random(
                            in: 1...max(1, chaos.maxDelay.components.seconds * 1000 + chaos.maxDelay.components.attoseconds / 1_000_000_000_000_000)))
                )
            ),
        ]
        for (probability, action) in table {
            if roll < probability { return action }
            roll -= probability
        }
        return nil
    }

    /// A response whose body never completes: the client sees the connection close mid-answer.
    static func droppedConnection() -> Response {
        Response(
            status: .ok, headers: [.contentType: "application/json"],
            body: .init(contentLength: 1000) { writer in
                try await writer.write(ByteBuffer(string: "{\"message\":"))
                throw CancellationError()
            })
    }

    /// HTTP 200, JSON envelope, `Set-GUID`/`Guid`/`Set-Cookie` headers as the answer asks (PROTOCOL.md §1.3, §2.1).
    static func render(_ answer: SimAnswer) -> Response {
        var headers: HTTPFields = [.contentType: "application/json; charset=UTF-8"]
        if let guid = answer.setGUID { headers[.init("Set-GUID")!] = "JSESSIONID=\(guid)" }
        if let guid = answer.plainGuidHeader { headers[.init("Guid")!] = guid }
        if let cookie = answer.setCookie { headers[.setCookie] = cookie }
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: answer.body)))
    }
}
