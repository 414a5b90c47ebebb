import Hummingbird

/// Counts every inbound request by route pattern (never the raw path: bounded
/// labels) and status, and records its duration.
struct MetricsMiddleware: RouterMiddleware {
    typealias Context = ShimRequestContext
    let metrics: ShimMetrics

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let started = ContinuousClock.now
        let response = try await next(request, context)
        let route = context.endpointPath ?? "unmatched"
        metrics.inbound(route: route, status: Int(response.status.code), duration: ContinuousClock.now - started)
        return response
    }
}
