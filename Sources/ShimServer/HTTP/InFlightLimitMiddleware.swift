import Hummingbird
import Synchronization

/// Caps the requests handled at once (`limits.maxInFlight`); over the cap a
/// request gets 503 `overloaded` with `Retry-After` at once instead of queueing
/// without bound. Health, readiness and metrics are never refused.
struct InFlightLimitMiddleware: RouterMiddleware {
    typealias Context = ShimRequestContext
    let limit: Int
    let counter: InFlightCounter

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let path = request.uri.path
        if path == HealthRoutes.livenessPath || path == HealthRoutes.readinessPath || path == HealthRoutes.metricsPath {
            return try await next(request, context)
        }
        guard counter.enter(limit: limit) else { throw APIError.overloaded(limit: limit) }
        defer { counter.leave() }
        return try await next(request, context)
    }
}
