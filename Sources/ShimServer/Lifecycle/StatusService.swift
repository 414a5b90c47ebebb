import AsyncHTTPClient
import Logging
import NIOCore
import NIOHTTP1
import ServiceLifecycle

/// Keeps systemd and the metrics informed while the shim runs: `STATUS=`
/// ("2/3 agents signed in"), the session gauges, and `WATCHDOG=1` at half of
/// `$WATCHDOG_USEC`. The watchdog ping is sent only after a real HTTP request to
/// the shim's own `/healthz` succeeded, so it proves the event loop still serves.
struct StatusService: Service {
    let registry: SessionRegistry
    let metrics: ShimMetrics
    let notifier: SystemdNotifier
    let watchdogInterval: Duration?
    let probeURL: @Sendable () -> String?
    let logger: Logger
    var statusInterval: Duration = .seconds(5)

    func run() async throws {
        let client = HTTPClient(eventLoopGroupProvider: .singleton)
        let tick = watchdogInterval.map { min($0 / 2, statusInterval) } ?? statusInterval
        try? await cancelWhenGracefulShutdown {
            var sinceStatus = Duration.zero
            while true {
                try await Task.sleep(for: tick)
                if watchdogInterval != nil, await probe(client) {
                    notifier.notify("WATCHDOG=1")
                }
                sinceStatus += tick
                if sinceStatus >= statusInterval {
                    sinceStatus = .zero
                    let summary = await SessionSummary.of(registry)
                    metrics.sessions(summary)
                    notifier.notify("STATUS=\(summary.statusLine)")
                }
            }
        }
        try? await client.shutdown()
    }

    /// One GET of the shim's own `/healthz` with a short timeout.
    private func probe(_ client: HTTPClient) async -> Bool {
        guard let url = probeURL() else { return false }
        do {
            let response = try await client.execute(HTTPClientRequest(url: url), timeout: .seconds(2))
            _ = try await response.body.collect(upTo: 4096)
            return response.status == .ok
        } catch {
            logger.warning("watchdog self-check of /healthz failed; not pinging systemd")
            return false
        }
    }
}
