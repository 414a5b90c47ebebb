import Synchronization

/// Collects the shim's formatted log lines (the real JSON formatter's output).
final class LogCapture: Sendable {
    private let lines = Mutex<[String]>([])

    func append(_ line: String) { lines.withLock { $0.append(line) } }

    var all: [String] { lines.withLock { $0 } }

    /// Lines whose `msg` is `message`.
    func lines(withMessage message: String) -> [String] {
        all.filter { $0.contains("\"msg\":\"\(message)\"") }
    }
}
