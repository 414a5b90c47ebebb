import Foundation
import GatewaySimulator
import ShimCore
import Testing

@testable import ShimServer

/// Readiness, drain, metrics, systemd notification and reload (issue #3).
@Suite(.timeLimit(.minutes(1))) struct OperationsTests {
    @Test func readinessTurns503AtOnceOnShutdownWhileTheShimKeepsServing() async throws {
        try await withHarness(inProcess: true, yaml: { testShimYAML(gatewayURL: $0, caFile: $1) + "\nshutdown: {drainDelay: 3s, timeout: 2s}\n" }) {
            (h: Harness) async throws in
            #expect(try await h.request("GET", "/readyz").status == 200)
            await h.beginStop()
            // "At once" on a shared machine: within a bounded wait, long before drainDelay (3 s) ends.
            var ready = try await h.request("GET", "/readyz")
            for _ in 0..<40 where ready.status == 200 {
                try await Task.sleep(for: .milliseconds(25))
                ready = try await h.request("GET", "/readyz")
            }
            #expect(ready.status == 503)
            #expect(ready.json?["status"] == "draining")
            // Still serving during drainDelay, gateway calls included.
            #expect(try await h.request("GET", "/healthz").status == 200)
            #expect(try await h.resetSkill().status == 200)
            await h.stopShim()
            #expect(await h.journal("logout").count == 1)
        }
    }

    @Test func requestsOutlivingTheDrainTimeoutGet503() async throws {
        try await withHarness(
            inProcess: true,
            yaml: {
                testShimYAML(gatewayURL: $0, caFile: $1, requestTimeout: "10s") + "\nshutdown: {drainDelay: 0s, timeout: 300ms}\n"
            }
        ) { (h: Harness) async throws in
            #expect(try await h.resetSkill().status == 200)
            await h.gateway.addFault(FaultRule(operation: "resetSkill", action: .delay(.seconds(3))))
            async let slow = h.resetSkill()
            // Stop only once the slow call is under way at the gateway: the shim has read the
            // request, so it is in flight (not an idle connection the server may close).
            for _ in 0..<400 where await h.gateway.callsInFlight("resetSkill") == 0 { try await Task.sleep(for: .milliseconds(10)) }
            await h.beginStop()
            let reply = try await slow
            #expect(reply.status == 503)
            #expect(reply.errorCode == "shutting_down")
            #expect(reply.header("Retry-After") == "1")
            await h.stopShim()
            #expect(await h.journal("logout").count == 1)
        }
    }

    @Test func metricsShowTheSeriesWithSaneValues() async throws {
        try await withHarness(inProcess: true) { (h: Harness) async throws in
            #expect(try await h.resetSkill().status == 200)
            await h.gateway.addFault(FaultRule(operation: "resetSkill", action: .retcode("000-003")))
            #expect(try await h.resetSkill().status == 200)
            #expect(try await h.resetSkill("1001", "{}").status == 400)
            await h.gateway.signInElsewhere("1002")
            #expect(try await h.resetSkill("1002").status == 409)
            let scrape = try await h.request("GET", "/metrics")
            #expect(scrape.status == 200)
            #expect(scrape.header("Content-Type")?.hasPrefix("text/plain") == true)
            let text = scrape.body
            func value(_ series: String) -> Double? {
                text.split(separator: "\n").first { $0.hasPrefix(series + " ") }.flatMap { Double($0.split(separator: " ").last!) }
            }
            #expect(value(#"ccgw_http_requests_total{route="/v1/agents/{agentId}/reset-skill",status="200"}"#) == 2)
            #expect(value(#"ccgw_http_requests_total{route="/v1/agents/{agentId}/reset-skill",status="400"}"#) == 1)
            #expect(value(#"ccgw_http_requests_total{route="/v1/agents/{agentId}/reset-skill",status="409"}"#) == 1)
            #expect(value(#"ccgw_gateway_calls_total{method="login",result="0"}"#) == 1)
            #expect(value(#"ccgw_gateway_calls_total{method="login",result="100-002"}"#) == 1)
            #expect(value(#"ccgw_gateway_calls_total{method="resetSkill",result="0"}"#) == 2)
            #expect(value(#"ccgw_gateway_calls_total{method="resetSkill",result="000-003"}"#) == 1)
            #expect(value(#"ccgw_gateway_calls_total{method="updateGuid",result="0"}"#) == 1)
            #expect((value(#"ccgw_gateway_calls_total{method="getAgentEvent",result="0"}"#) ?? 0) >= 1)
            #expect(value(#"ccgw_sign_ins_total{result="success"}"#) == 1)
            #expect(value(#"ccgw_sign_ins_total{result="conflict"}"#) == 1)
            #expect(value(#"ccgw_replays_total{reason="guid_refresh"}"#) == 1)
            #expect(value("ccgw_guid_rotations_total") == 1)
            #expect(value(#"ccgw_session_losses_total{reason="failover"}"#) == 0)  // present before any event
            #expect(value(#"ccgw_replays_total{reason="sign_in_again"}"#) == 0)
            #expect(value("ccgw_agents_signed_in") == 1)
            #expect(value("ccgw_agents_configured") == 3)
            #expect((value("ccgw_guid_age_max_seconds") ?? -1) >= 0)
            #expect(text.contains("ccgw_http_request_duration_seconds_bucket"))
            #expect(text.contains(#"ccgw_gateway_call_duration_seconds_count{method="resetSkill"} 3"#))
            #expect(!text.contains("agent=\""))  // no agent label by default
            for guid in await h.gateway.liveGUIDs() { #expect(!text.contains(guid)) }
        }
    }

    @Test func metricsCanHaveTheirOwnListener() async throws {
        try await withHarness(yaml: {
            testShimYAML(gatewayURL: $0, caFile: $1) + "\nmetrics: {listen: {host: 127.0.0.1, port: 0}, agentLabel: true}\n"
        }) { (h: Harness) async throws in
            #expect(try await h.resetSkill().status == 200)
            let port = try #require(h.metricsPort)
            let scrape = try await h.request("GET", "/metrics", port: port)
            #expect(scrape.status == 200)
            #expect(scrape.body.contains(#"ccgw_gateway_calls_total{method="resetSkill",result="0",agent="1001"} 1"#))
            #expect(try await h.request("GET", "/metrics").status == 404)
            #expect(try await h.request("GET", "/v1/agents", port: port).status == 404)
            #expect(try await h.request("GET", "/readyz", port: port).status == 200)
            #expect(try await h.request("GET", "/healthz", port: port).status == 200)
        }
    }

    @Test func notifiesSystemdReadyStatusWatchdogReloadAndStopping() async throws {
        let socket = try NotifySocket()
        defer { socket.close() }
        let environment = ["NOTIFY_SOCKET": socket.path, "WATCHDOG_USEC": "200000"]
        try await withHarness(environment: environment) { (h: Harness) async throws in
            #expect(try await h.resetSkill().status == 200)
            try await Task.sleep(for: .milliseconds(500))
            #expect(await h.runtime.reload())
            await h.stopShim()
        }
        try await Task.sleep(for: .milliseconds(150))
        let messages = socket.messages
        let ready = messages.firstIndex { $0.hasPrefix("READY=1") }
        let reloading = messages.firstIndex { $0.hasPrefix("RELOADING=1") }
        let stopping = messages.firstIndex { $0.hasPrefix("STOPPING=1") }
        #expect(ready != nil && reloading != nil && stopping != nil)
        if let ready, let reloading, let stopping {
            #expect(ready < reloading && reloading < stopping)
            #expect(messages[ready].contains("STATUS=0/3 agents signed in"))
            #expect(messages[reloading].contains("MONOTONIC_USEC="))
            #expect(messages[reloading + 1] == "READY=1" || messages[(reloading + 1)...].contains("READY=1"))
        }
        #expect(messages.filter { $0 == "WATCHDOG=1" }.count >= 2)
        #expect(messages.contains { $0.hasPrefix("STATUS=1/3 agents signed in") })
    }

    @Test func notifierSupportsAbstractSocketNamesAndIsSilentWithoutASocket() {
        #expect(SystemdNotifier(environment: [:]).notify("READY=1") == false)
        #expect(SystemdNotifier(environment: ["NOTIFY_SOCKET": "@ccgw-test-\(UUID().uuidString.prefix(8))"]).socketPath?.hasPrefix("@") == true)
        #expect(SystemdNotifier.watchdogInterval(environment: ["WATCHDOG_USEC": "30000000"]) == .seconds(30))
        #expect(SystemdNotifier.watchdogInterval(environment: ["WATCHDOG_USEC": "30000000", "WATCHDOG_PID": "1"], pid: 2) == nil)
        #expect(SystemdNotifier.watchdogInterval(environment: [:]) == nil)
    }

    @Test func reloadAddsRemovesAndUpdatesAgentsAndChangesTheLogLevel() async throws {
        try await withHarness(inProcess: true) { (h: Harness) async throws in
            #expect(try await h.resetSkill("1001").status == 200)
            #expect(try await h.resetSkill("1003", #"{"skills":[4]}"#).status == 200)
            let original = try String(contentsOfFile: h.configPath, encoding: .utf8)
            // Remove 1003, add a new agent 1004 (known to the simulator as 1002's twin), change 1001's phone,
            // raise the log level, and change the listen port (needs a restart).
            var edited =
                original
                .replacingOccurrences(
                    of: #"  - {id: "1003", phone: "70003", password: "pw-1003-Secret!"}"#,
                    with: #"  - {id: "1004", phone: "70004", password: "pw-1004"}"#
                )
                .replacingOccurrences(of: #"{id: "1001", phone: "70001""#, with: #"{id: "1001", phone: "70009""#)
                .replacingOccurrences(of: "level: trace", with: "level: warning")
            edited = edited.replacingOccurrences(of: "port: 0}", with: "port: 1}")
            try Data(edited.utf8).write(to: URL(fileURLWithPath: h.configPath))
            #expect(await h.runtime.reload())

            #expect(await h.journal("logout").map(\.agentID) == ["1003"])  // removed agent signed out
            #expect(await h.gateway.isSignedIn("1003") == false)
            #expect(try await h.resetSkill("1003", #"{"skills":[4]}"#).status == 404)
            #expect(try await h.request("GET", "/v1/agents/1004").status == 200)  // new agent usable
            let agents = try await h.request("GET", "/v1/agents")
            #expect(agents.body.contains("\"1004\"") && !agents.body.contains("\"1003\""))
            #expect(h.logs.all.contains { $0.contains("listen changed; this takes effect only after a restart") })
            // Log level is now warning: an info line (resetSkill 200) is no longer written.
            let before = h.logs.lines(withMessage: "resetSkill").count
            #expect(try await h.resetSkill("1001").status == 200)
            #expect(h.logs.lines(withMessage: "resetSkill").count == before)
            // 1001's new phone applies at its next sign-in.
            await h.gateway.signOutUnpolled("1001")
            #expect(try await h.resetSkill("1001").status == 502)  // the simulator binds 1001 to 70001
            #expect(try await h.request("GET", "/v1/agents/1001").json?["lastError"]?.stringValue?.contains("100-013") == true)
        }
    }

    @Test func invalidReloadKeepsTheRunningConfig() async throws {
        try await withHarness(inProcess: true) { (h: Harness) async throws in
            #expect(try await h.resetSkill("1001").status == 200)
            try Data("gateway: {url: \"https://gw:8043\", authMode: static, pollTimout: 1s}\n".utf8).write(to: URL(fileURLWithPath: h.configPath))
            #expect(await h.runtime.reload() == false)
            let refusal = h.logs.all.filter { $0.contains("reload refused") }
            #expect(refusal.count == 1)
            #expect(refusal.first?.contains("gateway.pollTimout") == true)
            #expect(try await h.resetSkill("1001").status == 200)
            #expect(try await h.request("GET", "/v1/agents").body.contains("\"1003\""))
            #expect(await h.journal("logout").isEmpty)
        }
    }

    @Test func passwordsCanComeFromSystemdCredentials() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("creds-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try Data("from-credential\n".utf8).write(to: directory.appendingPathComponent("agent-1001"))
        var loader = ConfigLoader()
        loader.secrets.environment = { $0 == "CREDENTIALS_DIRECTORY" ? directory.path : nil }
        let yaml =
            "gateway: {url: \"https://gw:8043\", authMode: static}\nagents:\n  - {id: \"1001\", phone: \"1\", passwordCredential: agent-1001}\n"
        #expect(try loader.load(yaml: yaml).passwords[AgentID("1001")!] == "from-credential")
        loader.secrets.environment = { _ in nil }
        #expect {
            _ = try loader.load(yaml: yaml)
        } throws: { error in
            (error as? ConfigError)?.key == "agents[0].passwordCredential" && "\(error)".contains("CREDENTIALS_DIRECTORY")
        }
    }
}
