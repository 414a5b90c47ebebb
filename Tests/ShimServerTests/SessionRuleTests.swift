import HTTPTypes
import HummingbirdTesting
import ShimCore
import Testing

@testable import ShimServer

/// The session's recovery rules (PROTOCOL.md §10.4, issue #2's table) against an
/// in-memory gateway: each row scripts the gateway's answers and states what the
/// caller gets and which calls the gateway saw. The same rows once ran against
/// the HTTPS simulator (RecoveryTests); transport and TLS stay there.
@Suite(.timeLimit(.minutes(1))) struct SessionRuleTests {
    struct Rule: Sendable, CustomTestStringConvertible {
        let name: String
        var forceLogin = false
        /// Sign agent 1001 in with one successful call (and clear the journal) first.
        var warm = true
        var script: [(String, [FakeGateway.Reply])]
        var status: Int
        var code: String? = nil
        var retcode: String? = nil
        /// Retcodes the gateway answered per operation, after the warm-up.
        var calls: [String: [String]]
        var testDescription: String { name }
    }

    static let rules: [Rule] = [
        Rule(
            name: "000-003: updateGuid, then one replay", script: [("resetSkill", [.retcode("000-003")])], status: 200,
            calls: ["resetSkill": ["000-003", "0"], "updateGuid": ["0"], "login": [], "forceLogin": []]),
        Rule(
            name: "updateGuid refused too: forceLogin (our own session)",
            script: [("resetSkill", [.retcode("000-003")]), ("updateGuid", [.retcode("000-003")])], status: 200,
            calls: ["resetSkill": ["000-003", "0"], "updateGuid": ["000-003"], "forceLogin": ["0"], "login": []]),
        Rule(
            name: "updateGuid says the session is gone: plain sign-in, 100-002 follows forceLogin", forceLogin: true,
            script: [("resetSkill", [.retcode("000-003")]), ("updateGuid", [.retcode("100-006")]), ("login", [.retcode("100-002")])],
            status: 200, calls: ["login": ["100-002"], "forceLogin": ["0"], "resetSkill": ["000-003", "0"]]),
        Rule(
            name: "updateGuid fails for a reason that may pass: reported, no forceLogin",
            script: [("resetSkill", [.retcode("000-003")]), ("updateGuid", [.retcode("100-007")])], status: 502, code: "gateway_error",
            retcode: "100-007", calls: ["forceLogin": [], "resetSkill": ["000-003"]]),
        Rule(
            name: "000-003 after the replay: session lost", script: [("resetSkill", [.retcode("000-003"), .retcode("000-003")])],
            status: 502, code: "gateway_session_lost", retcode: "000-003", calls: ["resetSkill": ["000-003", "000-003"]]),
        Rule(
            name: "100-006: sign in again, then one replay", script: [("resetSkill", [.retcode("100-006")])], status: 200,
            calls: ["resetSkill": ["100-006", "0"], "login": ["0"]]),
        Rule(
            name: "100-006 after the replay: session lost", forceLogin: true, script: [("resetSkill", [.retcode("100-006"), .retcode("100-006")])],
            status: 502, code: "gateway_session_lost", retcode: "100-006", calls: ["resetSkill": ["100-006", "100-006"]]),
        Rule(
            name: "100-007 twice: retried", script: [("resetSkill", [.retcode("100-007"), .retcode("100-007")])], status: 200,
            calls: ["resetSkill": ["100-007", "100-007", "0"]]),
        Rule(
            name: "100-007 always: first try and three retries, then reported",
            script: [("resetSkill", Array(repeating: .retcode("100-007"), count: 10))], status: 502, code: "gateway_error", retcode: "100-007",
            calls: ["resetSkill": Array(repeating: "100-007", count: 4)]),
        Rule(
            name: "000-002: rejected, not retried", script: [("resetSkill", [.retcode("000-002")])], status: 400, code: "gateway_rejected",
            retcode: "000-002", calls: ["resetSkill": ["000-002"]]),
        Rule(
            name: "unknown retcode: reported, not retried", script: [("resetSkill", [.retcode("100-009")])], status: 502, code: "gateway_error",
            retcode: "100-009", calls: ["resetSkill": ["100-009"]]),
        Rule(
            name: "HTTP 503 once: retried", script: [("resetSkill", [.http(503)])], status: 200, calls: ["resetSkill": ["http_503", "0"]]),
        Rule(
            name: "HTTP 503 always: reported", script: [("resetSkill", Array(repeating: .http(503), count: 10))], status: 502,
            code: "gateway_error", calls: ["resetSkill": Array(repeating: "http_503", count: 4)]),
        Rule(
            name: "connection reset once: retried", script: [("resetSkill", [.failure(.connectionReset)])], status: 200,
            calls: ["resetSkill": ["connectionReset", "0"]]),
        Rule(
            name: "connection reset always: unreachable", script: [("resetSkill", Array(repeating: .failure(.connectionReset), count: 10))],
            status: 502, code: "gateway_unreachable", calls: ["resetSkill": Array(repeating: "connectionReset", count: 4)]),
        Rule(
            name: "a body that is not the envelope: reported, not retried", script: [("resetSkill", [.garbage])], status: 502,
            code: "gateway_error", calls: ["resetSkill": ["garbage"]]),
        Rule(
            name: "TLS failure: unreachable, not retried", script: [("resetSkill", [.failure(.tls)])], status: 502, code: "gateway_unreachable",
            calls: ["resetSkill": ["tls"]]),
        Rule(
            name: "a call that times out: 504", script: [("resetSkill", [.failure(.timeout)])], status: 504, code: "gateway_timeout",
            calls: ["resetSkill": ["timeout"]]),
        Rule(
            name: "wrong password: sign-in failed", warm: false, script: [("login", [.retcode("100-004")])], status: 502,
            code: "gateway_sign_in_failed", retcode: "100-004", calls: ["login": ["100-004"], "resetSkill": []]),
        Rule(
            name: "signed in elsewhere, forceLogin off: 409", warm: false, script: [("login", [.retcode("100-002")])], status: 409,
            code: "agent_signed_in_elsewhere", retcode: "100-002", calls: ["forceLogin": [], "resetSkill": []]),
        Rule(
            name: "signed in elsewhere, forceLogin on: taken over", forceLogin: true, warm: false, script: [("login", [.retcode("100-002")])],
            status: 200, calls: ["login": ["100-002"], "forceLogin": ["0"], "resetSkill": ["0"]]),
        Rule(
            name: "a sign-in whose answer was lost is taken back", warm: false,
            script: [("login", [.lostAnswer(.connectionReset), .retcode("100-002")])], status: 200,
            calls: ["login": ["0", "100-002"], "forceLogin": ["0"]]),
        Rule(
            name: "displaced by someone else: 100-006, sign-in meets 100-002, nobody displaced",
            script: [("resetSkill", [.retcode("100-006")]), ("login", [.retcode("100-002")])], status: 409, code: "agent_signed_in_elsewhere",
            calls: ["forceLogin": [], "resetSkill": ["100-006"]]),
    ]

    @Test(arguments: rules)
    func recovery(_ rule: Rule) async throws {
        let shim = try FakeShim(forceLogin: rule.forceLogin, pollInterval: "10s")
        try await shim.test { client in
            if rule.warm {
                #expect(try await client.resetSkill().status == .ok)
                shim.gateway.clearJournal()
            }
            for (operation, replies) in rule.script { shim.gateway.script(operation, replies) }
            let response = try await client.resetSkill()
            #expect(Int(response.status.code) == rule.status)
            #expect(response.errorCode == rule.code)
            if let retcode = rule.retcode { #expect(response.errorRetcode == .string(retcode)) }
            for (operation, retcodes) in rule.calls {
                #expect(shim.gateway.retcodes(operation) == retcodes, "\(operation)")
            }
        }
    }

    @Test func fiveHundredConcurrentFirstRequestsSignInOnce() async throws {
        let shim = try FakeShim(requestTimeout: "45s", extraYAML: "\nlimits: {maxQueuedPerAgent: 1000}\n")
        try await shim.test { client in
            let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<500 { group.addTask { Int(try await client.resetSkill().status.code) } }
                return try await group.reduce(into: [Int]()) { $0.append($1) }
            }
            #expect(statuses.allSatisfy { $0 == 200 })
            #expect(shim.gateway.retcodes("login") == ["0"])
            // resetskill calls were serialised per agent: the fake answers 000-007 to an overlapping one.
            #expect(shim.gateway.retcodes("resetSkill") == Array(repeating: "0", count: 500))
        }
    }

    @Test func aLateAnswerOfAnOldSessionDoesNotEndTheNewOne() async throws {
        let shim = try FakeShim(pollInterval: "10s")
        let session = try #require(shim.registry.session(for: AgentID("1001")!))
        await session.installForTest(guid: "old")
        let old = try #require(await session.current)
        await session.installForTest(guid: "new")
        // The old generation's poll says 100-006: it must not end the new session.
        await session.invalidate(generation: old.generation, reason: "late 100-006")
        #expect(await session.current?.guid == "new")
        // A GUID rotation of the old generation is ignored too.
        await session.replaceGUID("rotated-old", generation: old.generation)
        #expect(await session.current?.guid == "new")
    }

    @Test func theReplayCarriesTheGUIDThatUpdateGuidHandedOut() async throws {
        let shim = try FakeShim(pollInterval: "10s")
        try await shim.test { client in
            #expect(try await client.resetSkill().status == .ok)
            shim.gateway.script("resetSkill", [.retcode("000-003")])
            #expect(try await client.resetSkill().status == .ok)
            let sent = shim.gateway.calls("resetSkill").map(\.guid)
            #expect(sent == ["fake-guid-1.AgentGateway0", "fake-guid-1.AgentGateway0", "fake-guid-2.AgentGateway0"])
            let status = try await client.execute(uri: "/v1/agents/1001", method: .get)
            #expect(status.json?["rotations"] == .integer(1))
        }
    }
}
