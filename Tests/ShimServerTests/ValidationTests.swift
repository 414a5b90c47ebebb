import HTTPTypes
import HummingbirdTesting
import ShimCore
import Testing

/// Every 4xx row: a clear status and message, and no gateway call (the router
/// in front of an in-memory gateway, no sockets).
@Suite(.timeLimit(.minutes(1))) struct ValidationTests {
    @Test func invalidRequestsNeverReachTheGateway() async throws {
        let shim = try FakeShim()
        try await shim.test { h in
            let cases: [(String, String?, String)] = [
                ("/v1/agents/1001/reset-skill", nil, "missing"),
                ("/v1/agents/1001/reset-skill", "{oops", "not valid JSON"),
                ("/v1/agents/1001/reset-skill", "{}", "send 'skills'"),
                ("/v1/agents/1001/reset-skill", #"{"allConfiguredSkills":true,"skills":[3]}"#, "not both"),
                ("/v1/agents/1001/reset-skill", #"{"skills":[0]}"#, "positive integer"),
                ("/v1/agents/1001/reset-skill", #"{"skills":[1],"phonelinkage":true}"#, "unknown field 'phonelinkage'"),
                ("/v1/agents/1001/reset-skill", #"{"skills":"1;2"}"#, "must be an array"),
                ("/v1/agents/01001/reset-skill", #"{"skills":[1]}"#, "agent id"),
                ("/v1/agents/99/reset-skill", #"{"skills":[1]}"#, "agent id"),
                ("/v1/agents/-1001/reset-skill", #"{"skills":[1]}"#, "agent id"),
                ("/v1/agents/1000000/reset-skill", #"{"skills":[1]}"#, "agent id"),
            ]
            for (path, body, fragment) in cases {
                let reply = try await h.request(.post, path, body: body)
                #expect(reply.status == .badRequest, "\(path) \(body ?? "nil")")
                #expect(reply.errorCode == "invalid_request")
                #expect(reply.errorRetcode == .null)
                #expect(reply.json?["error"]?["message"]?.stringValue?.contains(fragment) == true, "\(reply.text)")
                #expect(reply.json?["requestId"]?.stringValue?.isEmpty == false)
            }
            let tooLong = (1000..<1801).map(String.init).joined(separator: ",")
            #expect(try await h.resetSkill("1001", "{\"skills\":[\(tooLong)]}").status == .badRequest)
            #expect(shim.gateway.journal.isEmpty)
        }
    }

    @Test func unknownAgentIs404() async throws {
        let shim = try FakeShim()
        try await shim.test { h in
            let reply = try await h.resetSkill("4242", #"{"skills":[1]}"#)
            #expect(reply.status == .notFound)
            #expect(reply.errorCode == "unknown_agent")
            #expect(shim.gateway.journal.isEmpty)
        }
    }

    @Test func bodyLimitIs64KiB() async throws {
        let shim = try FakeShim()
        try await shim.test { h in
            let core = #"{"skills":[1]}"#
            let exact = core + String(repeating: " ", count: 65_536 - core.utf8.count)
            #expect(exact.utf8.count == 65_536)
            let ok = try await h.resetSkill("1001", exact)
            #expect(ok.status == .ok)
            let over = try await h.resetSkill("1001", exact + " ")
            #expect(over.status == .contentTooLarge)
            #expect(over.errorCode == "payload_too_large")
            #expect(shim.gateway.retcodes("resetSkill") == ["0"])
        }
    }

    @Test func otherMethodsAndPathsAreRefused() async throws {
        let shim = try FakeShim()
        try await shim.test { h in
            let wrongMethod = try await h.request(.get, "/v1/agents/1001/reset-skill")
            #expect(wrongMethod.status == .methodNotAllowed)
            #expect(wrongMethod.header("Allow") == "POST")
            #expect(try await h.request(.delete, "/v1/agents").status == .methodNotAllowed)
            #expect(try await h.request(.put, "/agentgateway/resource/onlineagent/1001").status == .notFound)
            #expect(try await h.request(.get, "/agentgateway/resource/agentevent/1001").status == .notFound)
            #expect(try await h.request(.delete, "/agentgateway/resource/onlineagent/1001/logout").status == .notFound)
            #expect(shim.gateway.journal.isEmpty)
        }
    }
}
