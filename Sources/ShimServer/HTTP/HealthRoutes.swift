import Hummingbird
import ShimCore

/// `GET /healthz` (liveness: the process serves) and `GET /readyz` (readiness:
/// config loaded, listener bound, not draining; never the gateway's health).
public struct HealthRoutes: Sendable {
    typealias Context = ShimRequestContext
    /// Liveness and readiness paths, shared with the deployment manifests' probes.
    public static let livenessPath = "/healthz"
    public static let readinessPath = "/readyz"
    public static let metricsPath = "/metrics"
    let readiness: Readiness

    func live(_ request: Request, context: Context) async throws -> Response {
        .json(.object([("status", "ok")]))
    }

    func ready(_ request: Request, context: Context) async throws -> Response {
        if readiness.isReady { return .json(.object([("status", "ready")])) }
        let reason = readiness.isDraining ? "draining" : "starting"
        return .json(.object([("status", .string(reason))]), status: .serviceUnavailable)
    }
}
