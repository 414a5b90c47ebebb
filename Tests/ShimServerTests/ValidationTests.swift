import Foundation
import GatewaySimulator
import ShimCore
import Testing

/// Every 4xx row: a clear status and message, and no gateway call.
@Suite(.timeLimit(.minutes(1))) struct ValidationTests {
    @Test func invalidRequestsNeverReachTheGateway() async throws {
        try await withHarness { (h: Harness) async throws in
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
                let reply = try await h.request("POST", path, body: body)
                #expect(reply.status == 400, "\(path) \(body ?? "nil")")
                #expect(reply.errorCode == "invalid_request")
                #expect(reply.errorRetcode == .null)
                #expect(reply.json?["error"]?["message"]?.stringValue?.contains(fragment) == true, "\(reply.body)")
                #expect(reply.json?["requestId"]?.stringValue?.isEmpty == false)
            }
            let tooLong = (1000..<1801).map(String.init).joined(separator: ",")
            #expect(try await h.resetSkill("1001", "{\"skills\":[\(tooLong)]}").status == 400)
            #expect(await h.gateway.entries().isEmpty)
        }
    }

    @Test func unknownAgentIs404() async throws {
        try await withHarness { (h: Harness) async throws in
            let reply = try await h.resetSkill("4242", #"{"skills":[1]}"#)
            #expect(reply.status == 404)
            #expect(reply.errorCode == "unknown_agent")
            #expect(await h.gateway.entries().isEmpty)
        }
    }

    @Test func bodyLimitIs64KiB() async throws {
        try await withHarness { (h: Harness) async throws in
            let core = #"{"skills":[1]}"#
            let exact = core + String(repeating: " ", count: 65_536 - core.utf8.count)
            #expect(exact.utf8.count == 65_536)
            let ok = try await h.resetSkill("1001", exact)
            #expect(ok.status == 200)
            let over = try await h.resetSkill("1001", exact + " ")
            #expect(over.status == 413)
            #expect(over.errorCode == "payload_too_large")
            #expect(await h.journal("resetSkill").count == 1)
        }
    }

    @Test func otherMethodsAndPathsAreRefused() async throws {
        try await withHarness { (h: Harness) async throws in
            let wrongMethod = try await h.request("GET", "/v1/agents/1001/reset-skill")
            #expect(wrongMethod.status == 405)
            #expect(wrongMethod.header("Allow") == "POST")
            #expect(try await h.request("DELETE", "/v1/agents").status == 405)
            #expect(try await h.request("PUT", "/agentgateway/resource/onlineagent/1001").status == 404)
            #expect(try await h.request("GET", "/agentgateway/resource/agentevent/1001").status == 404)
            #expect(try await h.request("DELETE", "/agentgateway/resource/onlineagent/1001/logout").status == 404)
            #expect(await h.gateway.entries().isEmpty)
        }
    }
}
