import Hummingbird

/// Per-request context: Hummingbird's core storage plus the request id every
/// response echoes in `X-Request-Id` and every log line carries.
struct ShimRequestContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    /// The caller's `X-Request-Id` if usable, else a generated one.
    var requestID = ""
    /// The W3C `traceparent` header, when the caller sent one.
    var traceParent: String?

    init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
    }

    /// The inbound body limit (issue #2: 65,536 bytes pass, more is 413).
    var maxUploadSize: Int { APIError.maxBodyBytes }
}
