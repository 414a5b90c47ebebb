import HTTPTypes
import Hummingbird
import NIOCore
import ShimCore

/// The one error type of the HTTP edge: it knows its status, code and message,
/// and renders `{"error": {"code", "message", "retcode"}, "requestId"}`.
/// Messages never carry a GUID, cookie, password or token.
struct APIError: Error, Sendable {
    static let maxBodyBytes = 65_536

    let status: HTTPResponse.Status
    let code: String
    let message: String
    let retcode: Retcode?
    var headers: HTTPFields = [:]

    init(_ status: HTTPResponse.Status, _ code: String, _ message: String, retcode: Retcode? = nil) {
        self.status = status
        self.code = code
        self.message = message
        self.retcode = retcode
    }

    static func invalidRequest(_ message: String) -> APIError { APIError(.badRequest, "invalid_request", message) }

    static func unknownAgent(_ id: AgentID) -> APIError {
        APIError(.notFound, "unknown_agent", "agent \(id) is not configured in this shim")
    }

    /// The status and code of a gateway-side failure (issue #2's table).
    init(_ failure: GatewayFailure) {
        let status: HTTPResponse.Status =
            switch failure.kind {
            case .signedInElsewhere: .conflict
            case .timeout: .gatewayTimeout
            default: .badGateway
            }
        self.init(status, failure.kind.rawValue, failure.message, retcode: failure.retcode)
    }

    /// Maps errors that did not come from the shim's own code (router, body reader).
    static func from(_ error: any Error) -> APIError {
        switch error {
        case let error as APIError:
            return error
        case let failure as GatewayFailure:
            return APIError(failure)
        case is NIOTooManyBytesError:
            return APIError(.contentTooLarge, "payload_too_large", "the request body is over \(maxBodyBytes) bytes")
        case is AgentQueueFull:
            var error = APIError(.serviceUnavailable, "agent_busy", "too many requests are waiting for this agent; retry shortly")
            error.headers[.retryAfter] = "1"
            return error
        case is DrainExpired:
            var error = APIError(.serviceUnavailable, "shutting_down", "the shim is shutting down; send the request again")
            error.headers[.retryAfter] = "1"
            return error
        case is DeadlineExceeded:
            return APIError(.gatewayTimeout, "gateway_timeout", "no answer from the gateway within gateway.requestTimeout")
        case let error as HTTPError:
            switch error.status {
            case .notFound: return APIError(.notFound, "not_found", "no such route")
            case .methodNotAllowed: return APIError(.methodNotAllowed, "method_not_allowed", "this route does not accept that method")
            case .contentTooLarge: return APIError(.contentTooLarge, "payload_too_large", "the request body is over \(maxBodyBytes) bytes")
            case .badRequest: return invalidRequest("the request could not be read")
            default: return APIError(error.status, "http_error", error.status.reasonPhrase)
            }
        default:
            return APIError(.internalServerError, "internal_error", "the shim failed to handle the request")
        }
    }

    /// The JSON response for this error.
    func response(requestID: String) -> Response {
        var error: [(key: String, value: JSONValue)] = [("code", .string(code)), ("message", .string(message))]
        error.append(("retcode", retcode.map { .string($0.rawValue) } ?? .null))
        let body = JSONValue.object([("error", .object(error)), ("requestId", .string(requestID))])
        var response = Response.json(body, status: status)
        response.headers.append(contentsOf: headers)
        return response
    }
}

extension Response {
    /// A JSON response from a `JSONValue`.
    static func json(_ value: JSONValue, status: HTTPResponse.Status = .ok) -> Response {
        Response(
            status: status,
            headers: [.contentType: "application/json; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(string: value.serialized))
        )
    }
}
