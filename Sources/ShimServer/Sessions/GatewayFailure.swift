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

    /// Whether the request may have reached the gateway and only its answer was lost.
    var answerMayBeLost: Bool { transport == .timeout || transport == .connectionReset }

    init(_ kind: Kind, _ message: String, retcode: Retcode? = nil) {
        self.kind = kind
        self.message = message
        self.retcode = retcode
        self.isRetryable = false
        self.transport = nil
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
    }
}
