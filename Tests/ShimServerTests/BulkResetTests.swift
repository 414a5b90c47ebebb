import Foundation
import GatewaySimulator
import ShimCore
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// `POST /v1/reset-skill` (one process): 1,000 agents in one call with mixed scope and
/// invalid rows; one row per entry, in order; the gateway never sees more resetskills
/// at once than `bulk.concurrency`.
@Suite(.timeLimit(.minutes(3))) struct BulkResetTests {
    static let count = 1000
    static let ids = (0..<count).map { String(5001 + $0) }

    @Test func aThousandAgentsInOneCallEachWithItsOwnRow() async throws {
        var options = testSimulatorOptions()
        options.agents = Self.ids.map { SimulatorOptions.Agent(id: $0, password: "bulk-\($0)-Secret!", phone: "6\($0)", skills: [1, 2, 3]) }
        options.pollHold = .seconds(8)  // 1,000 pollers stay cheap beside the other suites
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("bulk-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let tokenFile = directory + "/token"
        try Data("shift-token-Secret\n".utf8).write(to: URL(fileURLWithPath: tokenFile))
        chmod(tokenFile, 0o600)
        let agents = Self.ids.map { "  - {id: \"\($0)\", phone: \"6\($0)\", password: \"bulk-\($0)-Secret!\"}" }.joined(separator: "\n")
        let yaml: @Sendable (String, String) -> String = { url, caFile in
            """
            listen: {host: 127.0.0.1, port: 0}
            gateway: {url: \(url), authMode: dynamic, caFile: \(caFile), requestTimeout: 20s, pollTimeout: 10s}
            sessions: {pollInterval: 1s}
            clients:
              - {name: shift-planner, tokenFile: \(tokenFile), agents: ["5001-5900", "7001"]}
            bulk: {concurrency: 4, ratePerSecond: 5000}
            agents:
            \(agents)
            logging: {level: info, format: json}
            """
        }
        try await withHarness(simulator: options, yaml: yaml) { harness in
            var entries = Self.ids.enumerated().map { index, id in
                index % 2 == 0 ? #"{"agentId":"\#(id)","skills":[1,2]}"# : #"{"agentId":\#(id),"allConfiguredSkills":true,"phoneLinkage":false}"#
            }
            entries.insert(#"{"agentId":"5003","skills":"1;2"}"#, at: 10)  // 5003 twice: the second entry is refused as a duplicate
            entries.insert(#"{"agentId":"12","skills":[1]}"#, at: 20)
            entries.insert(#"{"agentId":"7001","skills":[1]}"#, at: 30)  // not configured
            entries.append(#"{"skills":[1]}"#)
            let body = #"{"agents":["# + entries.joined(separator: ",") + "]}"
            let auth = [("Authorization", "Bearer shift-token-Secret"), ("X-Request-Id", "shift-change-1")]
            // 1,000 sign-ins and resets, 4 at a time: about 10 s here, longer on a loaded machine.
            let reply = try await harness.request("POST", "/v1/reset-skill", body: body, headers: auth, timeout: .seconds(150))
            #expect(reply.status == 200, "\(reply.body.prefix(500))")
            let json = try #require(reply.json)
            guard case .array(let rows)? = json["results"] else {
                Issue.record("no results")
                return
            }
            #expect(rows.count == entries.count)
            #expect(json["agents"] == .integer(Int64(entries.count)))
            #expect(json["requestId"] == "shift-change-1")
            func status(_ index: Int) -> Int64? { if case .integer(let s)? = rows[index]["status"] { s } else { nil } }
            #expect(rows[10]["agentId"] == "5003" && status(10) == 400)
            #expect(rows[20]["agentId"] == .null && status(20) == 400)
            #expect(rows[30]["agentId"] == "7001" && status(30) == 404)
            #expect(status(rows.count - 1) == 400)
            var byStatus: [Int64: Int] = [:]
            for index in rows.indices { byStatus[status(index) ?? -1, default: 0] += 1 }
            #expect(byStatus == [200: 900, 403: 100, 400: 3, 404: 1], "\(byStatus)")
            #expect(json["succeeded"] == .integer(900))
            let forbidden = rows.filter { $0["status"] == .integer(403) }
            #expect(forbidden.allSatisfy { $0["error"]?["code"] == "agent_not_allowed" })
            #expect(Set(forbidden.compactMap { $0["agentId"]?.stringValue }) == Set(Self.ids.suffix(100)))
            // The gateway saw exactly the 900 in scope, never more than 4 resetskills at once.
            let resets = await harness.journal("resetSkill")
            #expect(resets.count == 900)
            #expect(Set(resets.compactMap(\.agentID)) == Set(Self.ids.prefix(900)))
            let peak = await harness.gateway.peakConcurrency("resetSkill")
            #expect(peak <= 4 && peak >= 1, "peak \(peak)")
            #expect(await harness.gateway.joinedSkills("5001") == [1, 2])
            #expect(await harness.gateway.joinedSkills("5002") == [1, 2, 3])
            // One resetSkill line per entry, all under the bulk's request id.
            let lines = harness.logs.all.filter { $0.contains("\"msg\":\"resetSkill\"") && $0.contains("\"request.id\":\"shift-change-1\"") }
            #expect(lines.count == entries.count)
            #expect(lines.allSatisfy { $0.contains("\"route\":\"bulk\"") && $0.contains("\"client\":\"shift-planner\"") })
            // The desired choice of each agent is now the bulk's.
            let view = try await harness.request("GET", "/v1/agents/5002/skills", headers: auth)
            #expect(view.json?["desired"]?["allConfiguredSkills"] == .bool(true))
            #expect(view.json?["inSync"] == .bool(true))
        }
    }

    @Test func aMalformedBodyIsRefusedAsAWholeAndNothingIsSent() async throws {
        try await withHarness(inProcess: true) { harness in
            for (body, status) in [
                (#"{"agents":[]}"#, 400), (#"{"agents":"1001"}"#, 400), (#"[{"agentId":"1001","skills":[1]}]"#, 400), ("{", 400),
            ] {
                let reply = try await harness.request("POST", "/v1/reset-skill", body: body)
                #expect(reply.status == status, "\(body): \(reply.body)")
                #expect(reply.errorCode == "invalid_request")
            }
            let wrongMethod = try await harness.request("GET", "/v1/reset-skill")
            #expect(wrongMethod.status == 405)
            #expect(await harness.journal("resetSkill").isEmpty)
            #expect(await harness.journal("login").isEmpty)
        }
    }
}
