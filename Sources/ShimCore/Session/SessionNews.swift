/// What subscribers hear about a session: the shim's own `ccgw.session.signedIn` and
/// `ccgw.session.ended` events, announced by `SessionMachine` where the session begins
/// and ends (before its loops start, so a session's first gateway event follows it).
public enum SessionNews: Sendable, Equatable {
    /// A session began: `signedIn`, `takenBack` or `resumed`.
    case began(SessionOrigin)
    /// The session ended: the gateway said so (`retcode`), or the shim signed the agent out.
    case ended(retcode: Retcode?, reason: EndReason)

    public enum EndReason: String, Sendable, Equatable {
        /// The gateway answered a poll, a reset or updateGuid with "signed out" (PROTOCOL.md §6.1).
        case gateway
        /// The shim signed the agent out (`logout` at shutdown or by an operator).
        case signedOut
    }
}
