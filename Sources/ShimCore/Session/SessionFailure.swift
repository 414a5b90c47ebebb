/// Why an agent session could not produce a gateway answer for a request: the
/// sign-in failed, someone else holds the agent, the gateway could not be reached.
///
/// Defined in the session's own words; the HTTP edge maps each kind to a status
/// once (`APIError`). Messages name the gateway's address and retcode, never a
/// GUID, cookie or password.
public struct SessionFailure: Error, Sendable, Equatable, CustomStringConvertible {
    public let kind: Kind
    public let message: String
    /// The gateway's retcode behind the failure, when there was one.
    public let retcode: Retcode?

    public enum Kind: Sendable, Equatable {
        /// The gateway refused the sign-in (100-004 wrong password, 100-013 phone, …).
        case signInRefused
        /// The sign-in kept failing for a reason that may pass (5xx, 100-007, "try later").
        case signInUnavailable
        /// Sign-in answered 100-002 and nothing shows the session is ours (PROTOCOL.md §2.1).
        case signedInElsewhere
        /// The gateway answered a session call (updateGuid, sign-in) in a way the shim cannot use.
        case unusableAnswer
        /// No whole answer to a gateway call (`GatewayCallError.Kind`).
        case transport(GatewayCallError.Kind)
        /// Too many requests already wait for this agent (`limits.maxQueuedPerAgent`).
        case queueFull
        /// The shim is shutting down: no new sign-in starts.
        case closed
        /// Cluster mode: this member does not hold the agent's key (any more), so it may
        /// not sign the agent in (issue #11, behaviour 4).
        case notOwner
        /// Cluster mode: etcd cannot confirm that this member holds the agent, so nothing
        /// signs it in now.
        case clusterUnavailable
    }

    public init(_ kind: Kind, _ message: String, retcode: Retcode? = nil) {
        self.kind = kind
        self.message = message
        self.retcode = retcode
    }

    /// A gateway call that produced no answer.
    public init(_ error: GatewayCallError) {
        self.init(.transport(error.kind), error.message)
    }

    /// Whether the same call may succeed later without anything changing on the shim's
    /// side: transport failures and the gateway's "not now", not its refusals.
    public var mayPass: Bool {
        switch kind {
        case .transport, .signInUnavailable: true
        default: false
        }
    }

    /// Whether the call may have reached the gateway and only its answer was lost.
    public var answerMayBeLost: Bool {
        kind == .transport(.timeout) || kind == .transport(.connectionReset)
    }

    public var description: String { message }
}
