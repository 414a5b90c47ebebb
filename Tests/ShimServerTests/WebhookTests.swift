import AsyncHTTPClient
import Foundation
import GatewaySimulator
import NIOCore
import NIOHTTP1
import ShimCore
import Testing

@testable import ShimServer

/// Webhooks, signed the Standard Webhooks way: a receiver in Python verifies every
/// delivery with the standard-webhooks project's library (`Tests/Tools/webhook_receiver.py`).
@Suite(.timeLimit(.minutes(3))) struct WebhookTests {
    /// A 32-byte key in the `whsec_` form.
    static let secret = "whsec_" + Data((0..<32).map { UInt8($0 * 7 % 256) }).base64EncodedString()

    /// The receiver process, its port and its record of deliveries.
    final class Receiver: Sendable {
        let process: Process
        let port: Int
        let out: String

        init(failFirst: Int = 0, delay: Double = 0) throws {
            out = FileManager.default.temporaryDirectory.appendingPathComponent("ccgw-hooks-\(UUID().uuidString).jsonl").path
            let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
                .appendingPathComponent("Tools/webhook_receiver.py").path
            process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = [
                "python3", script, "--secret", WebhookTests.secret, "--out", out, "--fail-first", "\(failFirst)", "--delay", "\(delay)",
            ]
            let pipe = Pipe()
            process.standardOutput = pipe
            try process.run()
            var line = Data()
            while let byte = try pipe.fileHandleForReading.read(upToCount: 1), !byte.isEmpty, byte != Data("\n".utf8) { line += byte }
            guard let port = Int(String(decoding: line, as: UTF8.self)) else {
                kill(process.processIdentifier, SIGKILL)
                throw POSIXError(.EIO)
            }
            self.port = port
        }

        var url: String { "http://127.0.0.1:\(port)/hook" }

        /// Every delivery attempt, in arrival order.
        var deliveries: [NSDictionary] {
            guard let text = try? String(contentsOfFile: out, encoding: .utf8) else { return [] }
            return text.split(separator: "\n").compactMap { (try? JSONSerialization.jsonObject(with: Data($0.utf8))) as? NSDictionary }
        }

        var accepted: [NSDictionary] { deliveries.filter { $0["status"] as? Int == 200 } }

        func control(_ client: HTTPClientShim, _ action: String) async throws {
            _ = try await client.post("http://127.0.0.1:\(port)/control/\(action)")
        }

        /// SIGKILL: the test process blocks SIGTERM (its signal handling) and children inherit the mask.
        func stop() {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            try? FileManager.default.removeItem(atPath: out)
        }
    }

    static func yaml(_ url: String, _ caFile: String, webhook: String) -> String {
        EventStreamTests.yaml(url, caFile, extra: "events:\n  webhooks:\n    - \(webhook)")
    }

    static func secretFile() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("ccgw-hook-\(UUID().uuidString).key").path
        try secret.write(toFile: path, atomically: true, encoding: .utf8)
        chmod(path, 0o600)
        return path
    }

    static func fast(_ options: inout ShimRuntime.Options) {
        options.webhookRetry = RetrySchedule(base: .milliseconds(50), cap: .milliseconds(200))
    }

    static func metric(_ body: String, _ prefix: String, _ labels: [String]) -> Int? {
        body.split(separator: "\n").first { line in line.hasPrefix(prefix) && labels.allSatisfy { line.contains($0) } }
            .flatMap { $0.split(separator: " ").last.flatMap { Int(Double($0) ?? -1) } }
    }

    @Test func everyEventIsDeliveredSignedInOrderAndRetriedUntilAccepted() async throws {
        let receiver = try Receiver(failFirst: 3)
        defer { receiver.stop() }
        let keyFile = try Self.secretFile()
        defer { try? FileManager.default.removeItem(atPath: keyFile) }
        let webhook = "{name: crm, url: \"\(receiver.url)\", agents: [\"1001-1002\"], secretFile: \(keyFile), maxAge: 60s}"
        try await withHarness(yaml: { Self.yaml($0, $1, webhook: webhook) }, tune: Self.fast) { h in
            let stream = try await SSEReader.open(h.client, EventStreamTests.url(h, "/v1/events?agent=1001,1002"))
            #expect(try await h.resetSkill("1001", #"{"skills":[1]}"#).status == 200)
            #expect(try await h.resetSkill("1002", #"{"skills":[2]}"#).status == 200)
            for call in 1...2 {
                for agent in ["1001", "1002"] {
                    #expect(await h.gateway.queueEvent(agent, json: EventStreamTests.ringing(agent, caller: "0100555222\(call)", call: call)))
                }
            }
            let events = try await stream.waitFor(12)
            let ids = Set(events.map(\.eventID))
            let allDelivered = await eventually(.seconds(30)) { ids.isSubset(of: Set(receiver.accepted.compactMap { $0["id"] as? String })) }
            #expect(allDelivered)
            let deliveries = receiver.deliveries
            #expect(deliveries.prefix(3).allSatisfy { $0["status"] as? Int == 503 })
            // Verified by the standard's own library, every one (retries are signed anew).
            #expect(deliveries.allSatisfy { $0["verified"] as? Bool == true }, "\(deliveries.filter { $0["verified"] as? Bool != true })")
            // The body is the event object the stream got (here nothing was lost: no `lost`).
            let byID = Dictionary(events.map { ($0.eventID, $0.object as NSDictionary) }, uniquingKeysWith: { first, _ in first })
            for delivery in receiver.accepted {
                let body = try #require(delivery["body"] as? NSDictionary)
                #expect(body == byID[delivery["id"] as? String ?? ""])
            }
            // Per agent, first accepted in id order.
            for agent in ["1001", "1002"] {
                var firstSeen: [UInt64] = []
                for delivery in receiver.accepted where (delivery["body"] as? NSDictionary)?["agentId"] as? String == agent {
                    let sequence = EventID(delivery["id"] as? String ?? "")!.sequence
                    if !firstSeen.contains(sequence) { firstSeen.append(sequence) }
                }
                #expect(firstSeen == firstSeen.sorted())
                #expect(firstSeen.count == 6)
            }
            let metrics = try await h.request("GET", "/metrics").body
            #expect((Self.metric(metrics, "ccgw_webhook_delivered_total", ["webhook=\"crm\""]) ?? 0) >= 12)
            #expect((Self.metric(metrics, "ccgw_webhook_retries_total", ["webhook=\"crm\""]) ?? 0) >= 3)
            // Nothing secret in what was sent.
            let journal = await h.gateway.entries()
            let secrets = Set(journal.compactMap(\.guid)).union(testAgents.map(\.password)).union([Self.secret, String(Self.secret.dropFirst(6))])
            let sent = (try? String(contentsOfFile: receiver.out, encoding: .utf8)) ?? ""
            for secret in secrets where secret.count >= 8 {
                #expect(!sent.contains(secret))
                #expect(!events.contains { $0.data.contains(secret) })
                #expect(!h.logs.all.contains { $0.contains(secret) })
            }
            // Event content (customers' numbers) never reaches the log.
            #expect(!h.logs.all.contains { $0.contains("01005552221") })
            stream.close()
        }
    }

    @Test func aReceiverDownPastMaxAgeIsToldHowManyWereLost() async throws {
        let receiver = try Receiver()
        defer { receiver.stop() }
        let keyFile = try Self.secretFile()
        defer { try? FileManager.default.removeItem(atPath: keyFile) }
        let webhook =
            "{name: crm, url: \"\(receiver.url)\", agents: [\"*\"], types: [\"ccgw.*\", \"AgentEvent_*\"], secretFile: \(keyFile), maxAge: 1s}"
        try await withHarness(yaml: { Self.yaml($0, $1, webhook: webhook) }, tune: Self.fast) { h in
            let control = HTTPClientShim(client: h.client)
            try await receiver.control(control, "down")
            #expect(try await h.resetSkill("1001", #"{"skills":[1]}"#).status == 200)  // signedIn, applied (InService, Ready filtered out)
            let dropped = await eventually(.seconds(20)) {
                let metrics = (try? await h.request("GET", "/metrics").body) ?? ""
                return Self.metric(metrics, "ccgw_webhook_dropped_total", ["webhook=\"crm\"", "reason=\"max_age\""]) == 2
            }
            #expect(dropped)
            #expect(receiver.accepted.isEmpty)
            try await receiver.control(control, "up")
            #expect(await h.gateway.queueEvent("1001", json: EventStreamTests.ringing("1001", caller: "01005553331", call: 1)))
            let told = await eventually { !receiver.accepted.isEmpty }
            #expect(told)
            let body = try #require(receiver.accepted.first?["body"] as? NSDictionary)
            #expect(body["type"] as? String == "AgentEvent_Ringing")
            #expect(body["lost"] as? Int == 2)
            #expect(receiver.deliveries.allSatisfy { $0["verified"] as? Bool == true })
        }
    }

    @Test func aSlowReceiverDelaysNoResetAndNoStream() async throws {
        let receiver = try Receiver(delay: 4)
        defer { receiver.stop() }
        let keyFile = try Self.secretFile()
        defer { try? FileManager.default.removeItem(atPath: keyFile) }
        let webhook = "{name: slow, url: \"\(receiver.url)\", agents: [\"*\"], secretFile: \(keyFile)}"
        try await withHarness(yaml: { Self.yaml($0, $1, webhook: webhook) }, tune: Self.fast) { h in
            let stream = try await SSEReader.open(h.client, EventStreamTests.url(h, "/v1/events"))
            #expect(try await h.resetSkill("1001", #"{"skills":[1]}"#).status == 200)
            let control = HTTPClientShim(client: h.client)
            let holding = await eventually { ((try? await control.state(receiver.port))?["inFlight"] as? Int ?? 0) > 0 }
            #expect(holding)
            // While the receiver holds a delivery: resets answer and the stream goes on.
            #expect(try await h.resetSkill("1002", #"{"skills":[2]}"#).status == 200)
            try await stream.waitFor { $0.object["agentId"] as? String == "1002" && $0.event == "ccgw.skills.applied" }
            let stillHolding = ((try await control.state(receiver.port))["inFlight"] as? Int ?? 0) > 0
            #expect(stillHolding)
            stream.close()
        }
    }
}

/// Plain requests to the receiver's control routes.
struct HTTPClientShim {
    let client: HTTPClient

    func post(_ url: String) async throws -> Int {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        let response = try await client.execute(request, timeout: .seconds(10))
        _ = try await response.body.collect(upTo: 1 << 16)
        return Int(response.status.code)
    }

    func state(_ port: Int) async throws -> NSDictionary {
        let response = try await client.execute(HTTPClientRequest(url: "http://127.0.0.1:\(port)/control/state"), timeout: .seconds(10))
        let body = try await response.body.collect(upTo: 1 << 16)
        return (try JSONSerialization.jsonObject(with: Data(body.readableBytesView))) as? NSDictionary ?? [:]
    }
}
