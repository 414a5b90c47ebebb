import Foundation
import GatewaySimulator
import ShimCore
import Testing

/// What callers see when the gateway cannot be reached or not trusted.
@Suite(.timeLimit(.minutes(1))) struct TransportTests {
    @Test func refusedConnectionIsUnreachable() async throws {
        // A port nobody listens on: bind, note the port, close.
        try await withHarness(yaml: { _, ca in testShimYAML(gatewayURL: "https://127.0.0.1:1", caFile: ca) }) { (h: Harness) async throws in
            let reply = try await h.resetSkill()
            #expect(reply.status == 502)
            #expect(reply.errorCode == "gateway_unreachable")
            #expect(reply.json?["error"]?["message"]?.stringValue?.contains("refused") == true)
            let status = try await h.request("GET", "/v1/agents/1001")
            #expect(status.json?["lastError"]?.stringValue?.contains("login") == true)
        }
    }

    /// A gateway that takes the connection but never answers the TLS handshake: each try
    /// times out after `connectTimeout` and is tried again like a refused connection (a
    /// slow handshake is no certificate problem), then the caller gets 502 saying so.
    @Test func aHandshakeThatTimesOutIsRetriedAsUnreachable() async throws {
        let silent = try HeldPort()
        defer { silent.release() }
        let port = silent.port
        let yaml: @Sendable (String, String) -> String = { _, ca in
            testShimYAML(gatewayURL: "https://127.0.0.1:\(port)", caFile: ca, requestTimeout: "20s")
                .replacingOccurrences(of: "connectTimeout: 5s", with: "connectTimeout: 300ms")
        }
        try await withHarness(yaml: yaml) { (h: Harness) async throws in
            let reply = try await h.resetSkill()
            #expect(reply.status == 502)
            #expect(reply.errorCode == "gateway_unreachable")
            #expect(reply.json?["error"]?["message"]?.stringValue == "TLS handshake with the gateway at 127.0.0.1:\(port) timed out")
            // The first try and three retries, each counted as unreachable.
            let metrics = try await h.request("GET", "/metrics").body
            let line = metrics.split(separator: "\n").first { $0.hasPrefix(#"ccgw_gateway_calls_total{method="login",result="unreachable"} "#) }
            #expect(line.flatMap { Double($0.split(separator: " ").last!) } == 4, "\(line ?? "no such series")")
            #expect(!metrics.contains(#"ccgw_gateway_calls_total{method="login",result="tls"}"#))
        }
    }

    @Test func untrustedCertificateIsATLSFailure() async throws {
        let otherCA = FileManager.default.temporaryDirectory.appendingPathComponent("other-ca-\(UUID().uuidString).pem").path
        try Data(try PrivateCA(commonName: "someone else").caCertificatePEM.utf8).write(to: URL(fileURLWithPath: otherCA))
        defer { try? FileManager.default.removeItem(atPath: otherCA) }
        try await withHarness(yaml: { url, _ in testShimYAML(gatewayURL: url, caFile: otherCA) }) { (h: Harness) async throws in
            let reply = try await h.resetSkill()
            #expect(reply.status == 502)
            #expect(reply.errorCode == "gateway_unreachable")
            #expect(reply.json?["error"]?["message"]?.stringValue?.contains("TLS") == true)
            #expect(await h.journal("login").isEmpty)
        }
    }

    @Test func certificateMustNameTheAddress() async throws {
        // The certificate names only "gateway.example", the shim dials 127.0.0.1: refused.
        try await withHarness(certificateHosts: ["gateway.example"]) { (h: Harness) async throws in
            let reply = try await h.resetSkill()
            #expect(reply.status == 502)
            #expect(reply.json?["error"]?["message"]?.stringValue?.contains("TLS") == true)
        }
    }

    @Test func transientSignInFailureIsRetried() async throws {
        try await withHarness { (h: Harness) async throws in
            await h.gateway.addFault(FaultRule(operation: "login", action: .reset, times: 1))
            #expect(try await h.resetSkill().status == 200)
            #expect(await h.journal("login").count == 2)
        }
    }
}
