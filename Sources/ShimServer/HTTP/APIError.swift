import HTTPTypes
import Hummingbird
import NIOCore
import ShimCore

/// The one error type of the HTTP edge: it knows its status, code and message,
/// and renders `{"error": {"code", "message", "retcode"}, "requestId"}`.
/// Messages never carry a GUID, cookie, password or token. Which failure gets
/// which status is decided in one place, `APIError+mapping.swift`.
struct APIError: HTTPResponseError, Sendable {
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

    /// The same error, asking the caller to come back in a second (`Retry-After: 1`).
    func retryingAfterASecond() -> APIError { retrying(afterSeconds: 1) }

    /// The same error, asking the caller to come back after `seconds` (`Retry-After`).
    func retrying(afterSeconds seconds: Int) -> APIError {
        var error = self
        error.headers[.retryAfter] = "\(seconds)"
        return error
    }

    /// The `error` object of the body: `{"code", "message", "retcode"}`.
    var body: JSONValue {
        .object([("code", .string(code)), ("message", .string(message)), ("retcode", retcode.map { .string($0.rawValue) } ?? .null)])
    }

    /// The JSON response for this error.
    func response(requestID: String) -> Response {
        var response = Response.json(.object([("error", body), ("requestId", .string(requestID))]), status: status)
        response.headers.append(contentsOf: headers)
        return response
    }

    /// Hummingbird's hook: the JSON body, with the request's id when the context has one.
    func response(from request: Request, context: some RequestContext) throws -> Response {
        response(requestID: (context as? ShimRequestContext)?.requestID ?? "")
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
