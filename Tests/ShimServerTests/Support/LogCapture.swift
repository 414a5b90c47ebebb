import NIOConcurrencyHelpers

/// Collects the shim's formatted log lines (the real JSON formatter's output).
final class LogCapture: Sendable {
    private let lines = NIOLockedValueBox<[String]>([])

    func append(_ line: String) { lines.withLockedValue { $0.append(line) } }

    var all: [String] { lines.withLockedValue { $0 } }

    /// Lines whose `msg` is `message`.
    func lines(withMessage message: String) -> [String] {
        all.filter { $0.contains("\"msg\":\"\(message)\"") }
    }
}
