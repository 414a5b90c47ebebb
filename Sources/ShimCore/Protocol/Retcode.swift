/// A gateway result code. Always a JSON string such as `"0"` or `"100-006"`;
/// compared as a string, never as a number (PROTOCOL.md §8 pitfall 10).
public struct Retcode: Hashable, Sendable, CustomStringConvertible, ExpressibleByStringLiteral {
    public let rawValue: String
    public init(_ rawValue: String) { self.rawValue = rawValue }
    public init(stringLiteral value: String) { self.rawValue = value }
    public var description: String { rawValue }

    public static let success: Retcode = "0"
    public static let parameterError: Retcode = "000-002"
    public static let noRight: Retcode = "000-003"
    public static let switchingOver: Retcode = "000-004"
    public static let messageParameterError: Retcode = "000-006"
    public static let calledRepeatedly: Retcode = "000-007"
    public static let signInParameterInvalid: Retcode = "100-001"
    public static let alreadySignedIn: Retcode = "100-002"
    public static let signInResourceUnavailable: Retcode = "100-003"
    public static let wrongPassword: Retcode = "100-004"
    public static let signOutParameterInvalid: Retcode = "100-005"
    public static let notSignedIn: Retcode = "100-006"
    public static let operationFailed: Retcode = "100-007"
    public static let alreadySignedOut: Retcode = "100-008"
    public static let signInParameterIllegal: Retcode = "100-011"
    public static let wrongAgentType: Retcode = "100-012"
    public static let phoneInvalid: Retcode = "100-013"
    public static let invalidIP: Retcode = "100-016"
    public static let skillQueryParameterInvalid: Retcode = "100-019"
    public static let signingIn: Retcode = "100-021"
    public static let recoveryInProgress: Retcode = "105-002"
    public static let recoveryTimedOut: Retcode = "105-005"
    public static let recoveryGUIDMismatch: Retcode = "105-006"
    public static let recoverySwitchOff: Retcode = "105-007"

    /// What the shim does about this code (PROTOCOL.md §6.1 "Class for the shim", §10.4).
    public var disposition: Disposition {
        switch self {
        case .success: .success
        case .parameterError, .messageParameterError, .signInParameterInvalid, .signOutParameterInvalid,
            .signInParameterIllegal, .wrongAgentType, .invalidIP, .skillQueryParameterInvalid:
            .rejected
        case .noRight: .refreshGUID
        case .notSignedIn, .alreadySignedOut, .recoveryTimedOut, .recoveryGUIDMismatch, .recoverySwitchOff:
            .signInAgain
        case .operationFailed, .switchingOver, .calledRepeatedly, .signingIn, .recoveryInProgress:
            .retryLater
        case .alreadySignedIn: .alreadySignedIn
        default: .failed
        }
    }

    /// The shim's classes of gateway outcomes.
    public enum Disposition: Sendable, Equatable {
        /// `0`.
        case success
        /// The gateway refused a parameter; retrying cannot help (000-002 and kin).
        case rejected
        /// The GUID was not accepted (000-003): get a fresh one, then replay once.
        case refreshGUID
        /// The session is gone (100-006, 100-008, 105-005..007): sign in again, then replay once.
        case signInAgain
        /// The gateway is busy or failing over (100-007, 000-004, 000-007, 100-021, 105-002): bounded retries.
        case retryLater
        /// Sign-in found the agent signed in elsewhere (100-002).
        case alreadySignedIn
        /// Anything else: reported, never retried.
        case failed
    }
}
