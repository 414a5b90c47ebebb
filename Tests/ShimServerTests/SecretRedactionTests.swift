import Foundation
import GatewaySimulator
import ShimCore
import Testing

/// A GUID, cookie or password never appears in a log line or a response (issue #2, Logs).
@Suite(.timeLimit(.minutes(1))) struct SecretRedactionTests {
    @Test func noSecretInLogsOrResponses() async throws {
        var options = testSimulatorOptions(.dynamic)
        options.rotationInterval = .milliseconds(200)
        options.pollHold = .milliseconds(100)
        options.sendPlainGuidHeader = true
        var replies: [String] = []
        try await withHarness(inProcess: true, simulator: options, yaml: { testShimYAML(gatewayURL: $0, caFile: $1, forceLogin: true) }) {
            (h: Harness) async throws in
            // Exercise every path that handles a GUID or cookie: sign-in, rotation, updateGuid,
            // forceLogin, errors, compat, status, sign-out.
            replies.append(try await h.resetSkill().body)
            try await Task.sleep(for: .milliseconds(500))
            await h.gateway.addFault(FaultRule(operation: "resetSkill", action: .retcode("000-003")))
            replies.append(try await h.resetSkill().body)
            await h.gateway.expireGUIDs("1001")
            replies.append(try await h.resetSkill().body)
            await h.gateway.signInElsewhere("1002")
            replies.append(try await h.resetSkill("1002").body)
            await h.gateway.addFault(FaultRule(operation: "resetSkill", action: .garbage))
            replies.append(try await h.resetSkill().body)
            replies.append(try await h.request("POST", "/agentgateway/resource/onlineagent/1001/resetskill/false?skillid=1").body)
            replies.append(try await h.request("GET", "/v1/agents").body)
            replies.append(try await h.resetSkill("1001", #"{"skills":[1],"pw-1001-Secret!":1}"#).body)
            await h.stopShim()

            let journal = await h.gateway.entries()
            let guids = Set(journal.compactMap(\.guid))
            let cookies = Set(journal.compactMap(\.cookie).flatMap { $0.split(separator: ";").map { String($0.split(separator: "=").last ?? "") } })
            #expect(guids.count >= 4)  // the test really saw several GUIDs
            #expect(!cookies.isEmpty)
            let secrets = guids.union(cookies).union(testAgents.map(\.password))
            let lines = h.logs.all
            #expect(lines.count > 20)
            for secret in secrets where secret.count >= 8 {
                for line in lines { #expect(!line.contains(secret), "log line leaks a secret: \(line.prefix(120))") }
                for reply in replies { #expect(!reply.contains(secret), "response leaks a secret") }
                // The GUID's opaque part alone must not leak either.
                let opaque = String(secret.prefix(36))
                for line in lines where opaque.count == 36 { #expect(!line.contains(opaque)) }
            }
            // Every log line is one JSON object.
            for line in lines { #expect((try? JSONParser.parse(line)) != nil) }
        }
    }

    @Test func everyResetSkillCallLogsOneLine() async throws {
        try await withHarness { (h: Harness) async throws in
            _ = try await h.resetSkill(
                "1001", #"{"skills":[3,7]}"#,
                headers: [("X-Request-Id", "req-1"), ("traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01")])
            _ = try await h.resetSkill("1001", #"{"skills":"x"}"#, headers: [("X-Request-Id", "req-2")])
            _ = try await h.request(
                "POST", "/agentgateway/resource/onlineagent/1001/resetskill/true?phonelinkage=1", headers: [("X-Request-Id", "req-3")])
            let lines = h.logs.lines(withMessage: "resetSkill").compactMap { try? JSONParser.parse($0) }
            #expect(lines.count == 3)
            let first = lines.first { $0["request.id"] == "req-1" }
            #expect(first?["method"] == "resetSkill")
            #expect(first?["agent.id"] == "1001")
            #expect(first?["skills"] == "3;7")
            #expect(first?["gateway.retcode"] == "0")
            #expect(first?["http.status"] == "200")
            #expect(first?["attempts"] == "1")
            #expect(first?["trace.parent"] == "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01")
            #expect(first?["duration.ms"]?.stringValue != nil)
            let second = lines.first { $0["request.id"] == "req-2" }
            #expect(second?["http.status"] == "400")
            #expect(second?["error.code"] == "invalid_request")
            let third = lines.first { $0["request.id"] == "req-3" }
            #expect(third?["skills"] == "all")
            #expect(third?["phone.linkage"] == "1")
            #expect(third?["route"] == "compat")
        }
    }
}
