import Foundation

extension Date {
    /// RFC 3339 with milliseconds, UTC (`2026-11-25T02:31:35.296Z`).
    static func rfc3339(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
    }
}
