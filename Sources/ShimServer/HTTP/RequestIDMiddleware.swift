import HTTPTypes
import Hummingbird
import Logging
import Synchronization

/// Gives every request an id (the caller's `X-Request-Id` when it is a short
/// printable token, else a generated one), puts it and the W3C `traceparent` in
/// the log metadata, and sets it on every response, errors included.
struct RequestIDMiddleware: RouterMiddleware {
    typealias Context = ShimRequestContext
    static let header = HTTPField.Name("X-Request-Id")!
    static let traceParentHeader = HTTPField.Name("traceparent")!
    private static let counter = Atomic<UInt64>(0)
    private let prefix = String(UInt32.random(in: .min ... .max), radix: 16)

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        context.requestID = Self.usable(request.headers[Self.header]) ?? generate()
        context.logger[metadataKey: "request.id"] = .string(context.requestID)
        context.logger[metadataKey: "hb.request.id"] = nil  // one request id per line: ours
        if let traceParent = request.headers[Self.traceParentHeader], Self.isTraceParent(traceParent) {
            context.traceParent = traceParent
            context.logger[metadataKey: "trace.parent"] = .string(traceParent)
        }
        var response = try await next(request, context)
        response.headers[Self.header] = context.requestID
        return response
    }

    /// Accepts 1–128 visible ASCII characters; anything else is replaced, so a
    /// request id cannot inject log lines or headers.
    static func usable(_ value: String?) -> String? {
        guard let value, !value.isEmpty, value.utf8.count <= 128,
            value.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F })
        else { return nil }
        return value
    }

    /// W3C trace context form: lowercase hex and dashes, at most 64 characters.
    static func isTraceParent(_ value: String) -> Bool {
        guard !value.isEmpty, value.utf8.count <= 64 else { return false }
        for byte in value.utf8 {
            let isHex = (byte >= 0x30 && byte <= 0x39) || (byte >= 0x61 && byte <= 0x66)
            if !isHex && byte != 0x2D { return false }
        }
        return true
    }

    private func generate() -> String {
        let n = Self.counter.wrappingAdd(1, ordering: .relaxed).newValue
        return "\(prefix)-\(String(n, radix: 16))"
    }
}
