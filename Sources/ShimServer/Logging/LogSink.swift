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

    /// Standard output, one `write(2)` per line.
    ///
    /// A closed or broken stdout (the reader of a pipe went away, journald restarted)
    /// loses log lines but never stops the daemon: write errors are ignored (the
    /// executable ignores SIGPIPE first thing), where `FileHandle.write`
    /// would trap.
    static let standardOutput: LogSink = {
        let lock = NIOLock()
        return LogSink { line in
            var bytes = Array(line.utf8)
            bytes.append(0x0A)
            lock.withLock {
                bytes.withUnsafeBytes { buffer in
                    var offset = 0
                    while offset < buffer.count {
                        let written = Foundation.write(STDOUT_FILENO, buffer.baseAddress! + offset, buffer.count - offset)
                        if written > 0 {
                            offset += written
                        } else if written < 0, errno == EINTR {
                            continue
                        } else {
                            return  // EPIPE, EBADF, …: the line is lost, the daemon carries on
                        }
                    }
                }
            }
        }
    }()
}
