import HTTPTypes
import Hummingbird
import Logging

/// Renders every error as the shim's JSON error body (`APIError`), so no accepted
/// request leaves without exactly one answer that says what happened. Errors the
/// routes throw are already `APIError`s; the router's own (no such route, body too
/// large) are mapped by `APIError(_:)`. A known path with another method is 405 with
/// `Allow`, not Hummingbird's 404.
struct ErrorMiddleware: RouterMiddleware {
    typealias Context = ShimRequestContext
    /// The paths this listener serves, to answer 405 (not 404) for another method.
    let routes: RouteTable

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            var apiError = APIError(error)
            if apiError.code == "not_found", let allowed = routes.allowedMethod(for: request.uri.path) {
                apiError = APIError(.methodNotAllowed, "method_not_allowed", "this path accepts \(allowed.rawValue) only")
                apiError.headers[.allow] = allowed.rawValue
            }
            if apiError.status == .internalServerError {
                context.logger.error("unhandled error", metadata: ["error.type": "\(type(of: error))"])
            }
            return apiError.response(requestID: context.requestID)
        }
    }
}
