import ShimCore

/// Who sent a request, as `AuthMiddleware` found it; routes read it from the context
/// and check an agent's scope through `authorize` only.
enum Identity: Sendable {
    /// Authentication is off (no `clients:`): anyone who reaches the listener.
    case open
    /// A configured client, by its bearer token.
    case client(CallerAuthenticator.Caller)
    /// Another cluster member forwarding a caller's request, by the peer token; the caller
    /// was authenticated and scoped by the member it reached.
    case peer(member: String, client: String?)
    /// The credentials were refused: routes that need them answer with this.
    case refused(AuthFailure)

    /// The authenticated identity; throws the refusal.
    func authenticated() throws(AuthFailure) -> Identity {
        if case .refused(let failure) = self { throw failure }
        return self
    }

    /// Throws unless the identity may act on `agent` (a peer's caller was checked where it arrived).
    func authorize(_ agent: AgentID) throws(AuthFailure) {
        switch try authenticated() {
        case .client(let caller) where !caller.scope.allows(agent): throw .forbidden(client: caller.name, agent: agent)
        default: return
        }
    }

    /// Whether `agent` is listed for this identity (`GET /v1/agents`).
    func sees(_ agent: AgentID) -> Bool { (try? authorize(agent)) != nil }

    /// The client's name for log lines (`clients[].name`; a peer passes its caller's on).
    var clientName: String? {
        switch self {
        case .client(let caller): caller.name
        case .peer(_, let client): client
        case .open, .refused: nil
        }
    }

    /// The member that forwarded the request, when it is a peer's.
    var peerMember: String? {
        if case .peer(let member, _) = self { return member }
        return nil
    }
}

extension Identity {
    /// The agents this identity may read events of (a peer's caller was scoped where it arrived).
    var scope: AgentScope {
        if case .client(let caller) = self { return caller.scope }
        return .all
    }
}
