import ShimCore

/// Why a request for an agent cannot be served in cluster mode now; the HTTP edge maps
/// it (`APIError+mapping.swift`).
enum ClusterRefusal: Error, Sendable, Equatable {
    /// A forwarded request reached a member that does not hold the agent (421): the
    /// member that forwarded it resolves the owner again.
    case notOwner(AgentID)
    /// No reachable member can act for the agent now (503, `Retry-After`).
    case unavailable(String)
}
