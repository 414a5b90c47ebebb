import GatewayClient
import Prometheus
import ShimCore

@testable import ShimServer

enum GatewayHTTPClientForTest {
    /// A client for a config, without its CA file (never used to send).
    static func make(_ config: ShimConfig) throws -> GatewayHTTPClient {
        var gateway = config.gateway
        gateway.caFile = nil
        return try GatewayHTTPClient(gateway: gateway, agents: 1)
    }
}

/// A private Prometheus-backed factory: tests never bootstrap the global metrics system.
func makeTestMetricsFactory() -> PrometheusMetricsFactory { PrometheusMetricsFactory(registry: PrometheusCollectorRegistry()) }
