import Hummingbird
import ShimCore

/// Per-request context: Hummingbird's core storage plus the request id every
/// response echoes in `X-Request-Id` and every log line carries.
struct ShimRequestContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    /// The caller's `X-Request-Id` if usable, else a generated one.
    var requestID = ""
    /// The W3C `traceparent` header, when the caller sent one.
    var traceParent: String?
    /// Who sent the request (`AuthMiddleware`); `.open` on routes that need no credentials.
    var identity: Identity = .open

    init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
    }

    /// The inbound body limit (issue #2: 65,536 bytes pass, more is 413).
    var maxUploadSize: Int { APIError.maxBodyBytes }
}

extension ShimRequestContext {
    /// The route's `{agentId}`; 400 `invalid_request` when it is not an agent id.
    func agentID() throws -> AgentID {
        guard let text = parameters.get("agentId"), let id = AgentID(text) else {
            throw APIError.invalidRequest("the agent id must be a number from 101 to 999999 in plain digits")
        }
        return id
    }
}
