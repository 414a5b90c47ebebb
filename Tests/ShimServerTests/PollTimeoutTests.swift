import Foundation
import GatewaySimulator
import NIOConcurrencyHelpers
import NIOCore
import ShimCore
import Testing

@testable import GatewayClient

/// Held polls are timed by one shared sweep (`LongCallWatch`) rather than a timer each.
@Suite struct PollTimeoutTests {
    @Test func sweepExpiresOnlyCallsPastTheirDeadlineAndOnlyOnce() {
        let watch = LongCallWatch()
        let expired = NIOLockedValueBox<[String]>([])
        let now = NIODeadline.now()
        _ = watch.watch(deadline: now - .milliseconds(1)) { expired.withLockedValue { $0.append("late") } }
        _ = watch.watch(deadline: now + .seconds(60)) { expired.withLockedValue { $0.append("early") } }
        let forgotten = watch.watch(deadline: now - .seconds(1)) { expired.withLockedValue { $0.append("forgotten") } }
        watch.forget(forgotten)
        watch.sweep(now: now)
        watch.sweep(now: now + .milliseconds(10))
        #expect(expired.withLockedValue { $0 } == ["late"])
        #expect(watch.count == 1)
        watch.sweep(now: now + .seconds(61))
        #expect(expired.withLockedValue { $0 } == ["late", "early"])
        #expect(watch.count == 0)
    }

    /// A poll the gateway holds past `pollTimeout` is given up as a timeout, and the
    /// session carries on polling.
    @Test func pollHeldPastPollTimeoutIsATimeout() async throws {
        try await withHarness(yaml: { testShimYAML(gatewayURL: $0, caFile: $1).replacingOccurrences(of: "pollTimeout: 3s", with: "pollTimeout: 1s") })
        {
            (h: Harness) async throws in
            #expect(try await h.resetSkill().status == 200)
            await h.gateway.addFault(FaultRule(operation: "getAgentEvent", agentID: "1001", action: .delay(.seconds(4))))
            var lastError: String?
            for _ in 0..<60 {
                lastError = try await h.request("GET", "/v1/agents/1001").json?["lastError"]?.stringValue
                if lastError != nil { break }
                try await Task.sleep(for: .milliseconds(100))
            }
            #expect(lastError?.contains("did not answer getAgentEvent in time") == true)
            let metrics = try await h.request("GET", "/metrics").body
            #expect(metrics.contains(#"ccgw_gateway_calls_total{method="getAgentEvent",result="timeout"} 1"#))
            #expect(try await h.request("GET", "/v1/agents/1001").json?["signedIn"] == .bool(true))
        }
    }
}
