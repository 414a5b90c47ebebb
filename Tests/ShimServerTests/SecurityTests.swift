import Foundation
import GatewaySimulator
import HTTPTypes
import HummingbirdTesting
import ShimCore
import Testing

@testable import ShimServer

/// Caller authentication and authorization, limits, and the upstream/inbound TLS options (issue #4).
@Suite(.timeLimit(.minutes(1))) struct SecurityTests {
    static func tokenFile(_ token: String, mode: Int = 0o600) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("token-\(UUID().uuidString)").path
        try Data((token + "\n").utf8).write(to: URL(fileURLWithPath: path))
        try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: path)
        return path
    }

    static func clientsYAML(crm: String, supervisor: String) -> String {
        """

        clients:
          - {name: crm, tokenFile: \(crm), agents: ["1001"]}
          - {name: supervisor, tokenFile: \(supervisor), agents: ["1000-1002"]}
        """
    }

    @Test func everyAgentRouteRefusesMissingWrongOrOutOfScopeCallers() async throws {
        let crm = try Self.tokenFile("crm-token-0123456789")
        let supervisor = try Self.tokenFile("supervisor-token-abcdef")
        defer { for path in [crm, supervisor] { try? FileManager.default.removeItem(atPath: path) } }
        // The router in front of an in-memory gateway: no sockets needed for these rules.
        let shim = try FakeShim(extraYAML: Self.clientsYAML(crm: crm, supervisor: supervisor))
        try await shim.test { h in
            let routes: [(HTTPRequest.Method, String, String?)] = [
                (.post, "/v1/agents/1002/reset-skill", #"{"skills":[1]}"#),
                (.post, "/agentgateway/resource/onlineagent/1002/resetskill/false?skillid=1", nil),
                (.get, "/v1/agents/1002", nil),
                (.get, "/v1/agents", nil),
            ]
            for (method, path, body) in routes {
                let missing = try await h.request(method, path, body: body)
                #expect(missing.status == .unauthorized, "\(path)")
                #expect(missing.header("WWW-Authenticate")?.hasPrefix("Bearer") == true)
                let wrong = try await h.request(method, path, body: body, headers: [("Authorization", "Bearer crm-token-0123456788")])
                #expect(wrong.status == .unauthorized, "\(path)")
                let basic = try await h.request(method, path, body: body, headers: [("Authorization", "Basic Y3JtOng=")])
                #expect(basic.status == .unauthorized, "\(path)")
                if path != "/v1/agents" {
                    let scoped = try await h.request(method, path, body: body, headers: [("Authorization", "Bearer crm-token-0123456789")])
                    #expect(scoped.status == .forbidden, "\(path)")
                    #expect(scoped.errorCode == "agent_not_allowed")
                }
            }
            #expect(shim.gateway.journal.isEmpty)  // refused callers never reach the gateway

            let allowed = try await h.resetSkill("1001", headers: [.authorization: "Bearer crm-token-0123456789"])
            #expect(allowed.status == .ok)
            let supervised = try await h.resetSkill("1002", headers: [.authorization: "Bearer supervisor-token-abcdef"])
            #expect(supervised.status == .ok)
            let list = try await h.request(.get, "/v1/agents", headers: [("Authorization", "Bearer crm-token-0123456789")])
            #expect(list.status == .ok)
            #expect(list.text.contains("\"1001\"") && !list.text.contains("\"1002\"") && !list.text.contains("\"1003\""))
            #expect(try await h.request(.get, "/healthz").status == .ok)  // probes need no token
            let line = try #require(
                shim.logs.lines(withMessage: "resetSkill").compactMap { try? JSONParser.parse($0) }.first {
                    $0["agent.id"] == "1002" && $0["http.status"] == "200"
                })
            #expect(line["client"] == "supervisor")
            for entry in shim.logs.all { #expect(!entry.contains("crm-token") && !entry.contains("supervisor-token")) }
        }
    }

    @Test func constantTimeComparisonIsExact() {
        #expect(CallerAuthenticator.constantTimeEqual(Array("abc".utf8), Array("abc".utf8)))
        #expect(!CallerAuthenticator.constantTimeEqual(Array("abc".utf8), Array("abd".utf8)))
        #expect(!CallerAuthenticator.constantTimeEqual(Array("abc".utf8), Array("abcd".utf8)))
        #expect(!CallerAuthenticator.constantTimeEqual([], Array("a".utf8)))
    }

    @Test func nonLoopbackListenerNeedsClientsOrAnExplicitOptOut() throws {
        let base = "gateway: {url: \"https://gw:8043\", authMode: static}\nlisten: {host: 0.0.0.0, port: 8080}\n"
        #expect {
            _ = try ConfigParser.parse(yaml: base)
        } throws: { error in
            (error as? ConfigError)?.key == "clients"
        }
        let loaded = try ConfigLoader().load(yaml: base + "allowUnauthenticated: true\n")
        #expect(loaded.warnings.contains { $0.contains("allowUnauthenticated") })
        #expect(AgentScope.parse(["*"]) == .success(.all))
        #expect(
            AgentScope.parse(["1000-1999", "2500"]).map { $0.allows(AgentID("1500")!) && $0.allows(AgentID("2500")!) && !$0.allows(AgentID("2000")!) }
                == .success(true))
        #expect(AgentScope.parse(["1999-1000"]) == .failure(.init(index: 0)))
        #expect(AgentScope.parse(["1001", "x"]) == .failure(.init(index: 1)))
    }

    @Test func sharedSecretFilesAreWarnedAbout() throws {
        let open = try Self.tokenFile("pw", mode: 0o644)
        defer { try? FileManager.default.removeItem(atPath: open) }
        let loaded = try ConfigLoader().load(
            yaml: "gateway: {url: \"https://gw:8043\", authMode: static}\nagents:\n  - {id: \"1001\", phone: \"1\", passwordFile: \(open)}\n")
        #expect(loaded.warnings == ["agents[0].passwordFile: \(open) is readable by its group or others; chmod 600 it"])
    }

    @Test func perAgentQueueAndInFlightLimitsAnswer503() async throws {
        let shim = try FakeShim(extraYAML: "\nlimits: {maxInFlight: 4, maxQueuedPerAgent: 1}\n")
        try await shim.test { h in
            #expect(try await h.resetSkill("1001").status == .ok)
            shim.gateway.script("resetSkill", Array(repeating: .slow(.milliseconds(600)), count: 8))
            let replies = try await withThrowingTaskGroup(of: TestResponse.self) { group in
                for index in 0..<8 {
                    group.addTask { try await h.resetSkill(index % 2 == 0 ? "1001" : "1002") }
                }
                return try await group.reduce(into: [TestResponse]()) { $0.append($1) }
            }
            let codes = replies.compactMap(\.errorCode)
            #expect(replies.filter { $0.status == .ok }.count >= 2)
            #expect(codes.contains("overloaded") || codes.contains("agent_busy"))
            #expect(replies.filter { $0.status == .serviceUnavailable }.allSatisfy { $0.header("Retry-After") == "1" })
            #expect(replies.allSatisfy { $0.status == .ok || $0.status == .serviceUnavailable })
            #expect(try await h.request(.get, "/healthz").status == .ok)
        }
    }

    @Test func oversizedHeadersAreRefusedAndTheShimKeepsServing() async throws {
        try await withHarness { (h: Harness) async throws in
            let huge = String(repeating: "x", count: 200_000)
            do {
                let reply = try await h.request("GET", "/v1/agents", headers: [("X-Filler", huge)])
                #expect(reply.status == 431 || reply.status == 400)
            } catch {
                // The shim may also just close the connection on a header section over its limit.
            }
            #expect(try await h.request("GET", "/healthz").status == 200)
            #expect(try await h.resetSkill().status == 200)
        }
    }

    @Test func serverNameVerifiesAGatewayAddressedByIP() async throws {
        try await withHarness(
            certificateHosts: ["gateway.example"],
            yaml: {
                testShimYAML(gatewayURL: $0, caFile: $1).replacingOccurrences(of: "  caFile:", with: "  serverName: gateway.example\n  caFile:")
            }
        ) { (h: Harness) async throws in
            #expect(try await h.resetSkill().status == 200)
        }
    }

    @Test func mutualTLSPassesOnlyWithTheClientCertificate() async throws {
        // Without a client certificate the simulator refuses the handshake.
        try await withHarness(requireClientCertificate: true) { (h: Harness) async throws in
            let reply = try await h.resetSkill()
            #expect(reply.status == 502)
            #expect(reply.errorCode == "gateway_unreachable")
        }
        // With one signed by the gateway's CA it passes.
        try await withHarness(requireClientCertificate: true, clientCertificate: true) { (h: Harness) async throws in
            #expect(try await h.resetSkill().status == 200)
        }
    }

    @Test func insecureSkipVerifyConnectsButIsFlagged() async throws {
        try await withHarness(yaml: { url, _ in
            testShimYAML(gatewayURL: url, caFile: "x").replacingOccurrences(of: "  caFile: x", with: "  insecureSkipVerify: true")
        }) { (h: Harness) async throws in
            #expect(try await h.resetSkill().status == 200)
            let list = try await h.request("GET", "/v1/agents")
            #expect(list.json?["warnings"]?.serialized.contains("insecureSkipVerify") == true)
            #expect(h.logs.all.contains { $0.contains("\"level\":\"warning\"") && $0.contains("insecureSkipVerify is on") })
        }
    }

    @Test func inboundTLSServesHTTPS() async throws {
        try await withHarness(inboundTLS: true) { (h: Harness) async throws in
            #expect(h.scheme == "https")
            #expect(try await h.resetSkill().status == 200)
        }
    }
}
