import Foundation
import GatewaySimulator
import Logging
import ShimCore
import Testing

@testable import ShimServer

/// Polling, rotation, single-flight sign-in and shutdown, against the simulator's timers.
@Suite(.timeLimit(.minutes(1))) struct SessionLifecycleTests {
    @Test func dynamicRotationMidStreamFailsNoRequest() async throws {
        var options = testSimulatorOptions(.dynamic)
        options.rotationInterval = .milliseconds(250)
        options.guidGrace = .seconds(2)
        options.pollHold = .milliseconds(200)
        try await withHarness(inProcess: true, simulator: options) { (h: Harness) async throws in
            let until = ContinuousClock.now + .seconds(3)
            var statuses: [Int] = []
            // At least 3 s (a dozen rotations) and at least 20 requests, however busy the machine is.
            while ContinuousClock.now < until || statuses.count < 20 {
                statuses.append(try await h.resetSkill("1001", #"{"skills":[1]}"#).status)
                try await Task.sleep(for: .milliseconds(40))
            }
            #expect(statuses.count >= 20)
            #expect(statuses.allSatisfy { $0 == 200 })
            // Rotations happened and were followed without a new sign-in or updateGuid.
            let status = try await h.request("GET", "/v1/agents/1001")
            #expect((status.json?["rotations"].flatMap { if case .integer(let n) = $0 { n } else { nil } } ?? 0) >= 5)
            #expect(status.json?["signIns"] == .integer(1))
            #expect(await h.journal("login").count == 1)
            #expect(await h.journal("updateGuid").isEmpty)
            #expect(await h.journal("resetSkill").allSatisfy { $0.retcode == "0" && ($0.guidState == "current" || $0.guidState == "grace") })
        }
    }

    @Test func staticModeKeepsOneGUID() async throws {
        var options = testSimulatorOptions(.static)
        options.pollHold = .milliseconds(100)
        try await withHarness(inProcess: true, simulator: options, yaml: { testShimYAML(gatewayURL: $0, caFile: $1, authMode: "static") }) {
            (h: Harness) async throws in
            for _ in 0..<5 {
                #expect(try await h.resetSkill().status == 200)
                try await Task.sleep(for: .milliseconds(100))
            }
            let guids = Set(await h.journal("resetSkill").compactMap(\.guid))
            #expect(guids.count == 1)
            #expect(await h.journal("getAgentEvent").count >= 3)
            #expect(Set(await h.journal("getAgentEvent").compactMap(\.guid)) == guids)
        }
    }

    @Test func pollingPreventsTheUnpolledSignOut() async throws {
        var options = testSimulatorOptions(.dynamic)
        // Hold 200 ms, unpolled sign-out after 2 s: without the poll loop the agent is gone
        // after 2 s; with it, it stays (the same 1:10 ratio as the gateway's 10 s hold and 2 min).
        options.unpolledTimeout = .seconds(2)
        options.pollHold = .milliseconds(200)
        try await withHarness(inProcess: true, simulator: options) { (h: Harness) async throws in
            #expect(try await h.resetSkill().status == 200)
            try await Task.sleep(for: .seconds(4))
            #expect(await h.gateway.isSignedIn("1001"))
            #expect(await h.gateway.signOutReason("1001") == nil)
            #expect(try await h.resetSkill().status == 200)
            #expect(await h.journal("login").count == 1)
            // Polls were sent one at a time: the simulator refuses overlapping polls with 000-007.
            #expect(await h.journal("getAgentEvent").allSatisfy { $0.retcode == "0" })
        }
    }

    @Test func lateAnswerOfAnOldSessionDoesNotEndTheNewOne() async throws {
        try await withHarness(inProcess: true) { (h: Harness) async throws in
            #expect(try await h.resetSkill().status == 200)
            await h.gateway.signOutUnpolled("1001")
            #expect(try await h.resetSkill().status == 200)  // signed in again: generation 2
            let status = try await h.request("GET", "/v1/agents/1001")
            #expect(status.json?["signIns"] == .integer(2))
        }
        // And directly: an invalidation for generation 1 leaves generation 2 alone.
        let session = try makeDetachedSession()
        await session.installForTest(guid: "g1")
        await session.installForTest(guid: "g2")
        await session.invalidate(generation: 1, reason: "late 100-006")
        #expect(await session.current?.guid == "g2")
        await session.invalidate(generation: 2, reason: "100-006")
        #expect(await session.current == nil)
    }

    @Test func shutdownSignsAgentsOut() async throws {
        try await withHarness(inProcess: true) { (h: Harness) async throws in
            #expect(try await h.resetSkill("1001").status == 200)
            #expect(try await h.resetSkill("1003", #"{"skills":[4]}"#).status == 200)
            await h.stopShim()
            #expect(await h.journal("logout").count == 2)
            #expect(await h.journal("logout").allSatisfy { $0.retcode == "0" })
            #expect(await h.gateway.isSignedIn("1001") == false)
            #expect(await h.gateway.isSignedIn("1003") == false)
            #expect(await h.gateway.signOutReason("1001") == "logout")
            #expect(await h.journal("logout").compactMap(\.agentID).sorted() == ["1001", "1003"])
        }
    }

    @Test func shutdownFinishesInFlightRequestsBeforeSigningOut() async throws {
        try await withHarness { (h: Harness) async throws in
            #expect(try await h.resetSkill().status == 200)
            await h.gateway.addFault(FaultRule(operation: "resetSkill", action: .delay(.milliseconds(600))))
            async let slow = h.resetSkill()
            // Stop only once the slow call is under way at the gateway: a request not yet read
            // looks like an idle keep-alive connection, which a stopping server may close.
            for _ in 0..<400 where await h.gateway.callsInFlight("resetSkill") == 0 { try await Task.sleep(for: .milliseconds(10)) }
            #expect(await h.gateway.callsInFlight("resetSkill") == 1)
            await h.stopShim()
            #expect(try await slow.status == 200)
            let journal = await h.gateway.entries()
            let lastReset = journal.lastIndex { $0.operation == "resetSkill" }
            let logout = journal.firstIndex { $0.operation == "logout" }
            #expect(lastReset != nil && logout != nil && lastReset! < logout!)
        }
    }

    @Test func signInAtStartupSignsEveryAgentIn() async throws {
        try await withHarness(inProcess: true, yaml: { testShimYAML(gatewayURL: $0, caFile: $1, signInAtStartup: true) }) {
            (h: Harness) async throws in
            for _ in 0..<50 where await h.journal("login").count < 3 { try await Task.sleep(for: .milliseconds(20)) }
            #expect(await h.journal("login").count == 3)
            #expect(await h.gateway.isSignedIn("1003"))
        }
    }

    @Test func startUpSignInsRunAtMostSignInConcurrencyAtOnce() async throws {
        var options = testSimulatorOptions()
        // Long enough that two sign-ins overlap even when the suite loads the machine.
        options.faults = [FaultRule(operation: "login", action: .delay(.milliseconds(700)), times: nil)]
        try await withHarness(
            inProcess: true,
            simulator: options,
            yaml: {
                testShimYAML(gatewayURL: $0, caFile: $1, signInAtStartup: true)
                    .replacingOccurrences(of: "  pollInterval:", with: "  signInConcurrency: 2\n  pollInterval:")
            }
        ) { (h: Harness) async throws in
            for _ in 0..<200 where await h.gateway.liveGUIDs().count < 3 { try await Task.sleep(for: .milliseconds(20)) }
            for id in ["1001", "1002", "1003"] { #expect(await h.gateway.isSignedIn(id)) }
            #expect(await h.gateway.peakConcurrency("login") == 2)
        }
    }

    /// Start-up sign-ins that fail for a passing reason are tried again; refusals are not
    /// (a wrong password repeated can lock the account).
    @Test func startUpSignInRetriesTransientFailuresOnly() async throws {
        var options = testSimulatorOptions()
        options.faults = [
            FaultRule(operation: "login", agentID: "1002", action: .httpStatus(503), times: 6),
            FaultRule(operation: "login", agentID: "1003", action: .retcode("100-004"), times: nil),
        ]
        try await withHarness(inProcess: true, simulator: options, yaml: { testShimYAML(gatewayURL: $0, caFile: $1, signInAtStartup: true) }) {
            (h: Harness) async throws in
            for _ in 0..<400 where !(await h.gateway.isSignedIn("1002")) { try await Task.sleep(for: .milliseconds(25)) }
            #expect(await h.gateway.isSignedIn("1002"))
            #expect(await h.journal("login").filter { $0.agentID == "1002" }.count == 7)
            #expect(await h.journal("login").filter { $0.agentID == "1003" }.count == 1)
            #expect(await !h.gateway.isSignedIn("1003"))
        }
    }

    /// A session on a client that is never used, for state-machine checks.
    func makeDetachedSession() throws -> AgentSession {
        let config = try ConfigParser.parse(yaml: testShimYAML(gatewayURL: "https://127.0.0.1:9", caFile: "/dev/null"))
        let client = try GatewayHTTPClientForTest.make(config)
        return AgentSession(
            agent: config.agents[0], password: "x", gateway: client, settings: SessionSettings(config: config),
            pollers: PollerLauncher(), metrics: ShimMetrics(factory: makeTestMetricsFactory()), logger: .init(label: "test"))
    }
}
