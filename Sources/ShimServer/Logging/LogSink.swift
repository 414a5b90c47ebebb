import Foundation
import NIOConcurrencyHelpers

/// Where formatted log lines go: stdout for the daemon, memory for tests.
/// Lines are written whole, one `write` each, so concurrent lines never interleave.
final class LogSink: Sendable {
    private let writeLine: @Sendable (String) -> Void

    init(_ writeLine: @escaping @Sendable (String) -> Void) {
        self.writeLine = writeLine
    }

    func write(_ line: String) { writeLine(line) }

    /// Standard output, line-buffered by hand.
    static let standardOutput: LogSink = {
        let lock = NIOLock()
        return LogSink { line in
            lock.withLock {
                var data = Data(line.utf8)
                data.append(0x0A)
                FileHandle.standardOutput.write(data)
            }
        }
    }()
}
