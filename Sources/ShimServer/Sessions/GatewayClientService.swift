import GatewayClient
import ServiceLifecycle

/// Owns the gateway client's lifetime: waits for graceful shutdown, then closes
/// the pooled connections. Listed first, so it stops last.
struct GatewayClientService: Service {
    let client: GatewayHTTPClient

    func run() async throws {
        try? await gracefulShutdown()
        try await client.shutdown()
    }
}
