import Foundation

/// The saved state's clock and ids: wall-clock milliseconds (they must survive a
/// restart, unlike `ContinuousClock`) and a random id per sign-in.
enum SessionClock {
    /// Milliseconds since 1970, the saved state's clock (it must survive a restart).
    static func nowMilliseconds() -> Int64 { milliseconds(Date()) }

    static func milliseconds(_ date: Date) -> Int64 { Int64((date.timeIntervalSince1970 * 1000).rounded()) }

    /// A random id for one sign-in.
    static func newSignInID() -> String { String(UInt64.random(in: .min ... .max), radix: 36) }
}
