import GatewayClient
import ShimCore

/// A gateway-side reason an inbound request could not be served. Each kind
/// maps to one HTTP status and error code at the edge (issue #2's table).
struct GatewayFailure: Error, Sendable, Equatable {
    enum Kind: String, Sendable {
        case signInFailed = "gateway_sign_in_failed"
        case signedInElsewhere = "agent_signed_in_elsewhere"
        case sessionLost = "gateway_session_lost"
        case gatewayError = "gateway_error"
        case unreachable = "gateway_unreachable"
        case timeout = "gateway_timeout"
    }

    let kind: Kind
    let message: String
    let retcode: Retcode?
    /// A refused or reset connection: trying again may help (not TLS, not a timeout).
    let isRetryable: Bool
    /// The transport failure behind it, if it was one.
    let transport: GatewayCallError.Kind?

    /// The gateway said "not now" (5xx, 000-004 switching over, busy): later may work.
    let isTemporary: Bool

    /// Whether the request may have reached the gateway and only its answer was lost.
    var answerMayBeLost: Bool { transport == .timeout || transport == .connectionReset }

    /// Whether the same call may succeed later without anything changing on our side:
    /// transport failures and the gateway's "not now" answers, not its refusals.
    var mayPass: Bool { transport != nil || isTemporary }

    init(_ kind: Kind, _ message: String, retcode: Retcode? = nil, temporary: Bool = false) {
        self.kind = kind
        self.message = message
        self.retcode = retcode
        self.isRetryable = false
        self.transport = nil
        self.isTemporary = temporary
    }

    /// A transport failure of one gateway call.
    init(_ error: GatewayCallError) {
        switch error.kind {
        case .timeout: kind = .timeout
        case .responseTooLarge: kind = .gatewayError
        case .unreachable, .tls, .connectionReset: kind = .unreachable
        }
        message = error.message
        retcode = nil
        isRetryable = error.isRetryable
        transport = error.kind
        isTemporary = false
    }
}
