/// A gateway call that produced no answer. Messages name the gateway's address
/// and the failure, never a header or body value.
public struct GatewayCallError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// No answer within the call's timeout.
        case timeout
        /// No connection could be made in time (refused, no route, DNS, a TCP connect or TLS
        /// handshake that timed out).
        case unreachable
        /// The TLS handshake failed: untrusted or mismatched certificate, protocol mismatch.
        case tls
        /// The connection closed or reset before a whole answer arrived.
        case connectionReset
        /// The answer's body exceeded the size the shim accepts.
        case responseTooLarge
    }

    public let kind: Kind
    public let message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    /// Whether trying again may help: connection failures and resets, not TLS or timeouts.
    public var isRetryable: Bool { kind == .unreachable || kind == .connectionReset }

    public var description: String { message }
}

extension GatewayCallError {
    /// Whether the call may have reached the gateway and only its answer was lost.
    public var answerMayBeLost: Bool { kind == .timeout || kind == .connectionReset }
}
