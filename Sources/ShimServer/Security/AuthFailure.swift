import ShimCore

/// Why a caller may not do what it asked: no valid credentials (401), or an agent
/// outside its scope (403). `APIError+mapping.swift` gives each its status.
enum AuthFailure: Error, Sendable, Equatable {
    /// No token, an unknown token, or a forwarded request without the peer token.
    case unauthorized(String)
    /// The client may not act on the agent.
    case forbidden(client: String, agent: AgentID)
}
