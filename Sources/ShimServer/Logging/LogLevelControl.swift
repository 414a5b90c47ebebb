import Logging
import Synchronization

/// The process-wide log level, changeable at run time (SIGHUP reload) and read
/// by every handler on each log call.
public final class LogLevelControl: Sendable {
    private let raw: Atomic<Int>

    public init(_ level: Logger.Level) {
        raw = Atomic(Self.index(level))
    }

    public var level: Logger.Level {
        get { Logger.Level.allCases[raw.load(ordering: .relaxed)] }
        set { raw.store(Self.index(newValue), ordering: .relaxed) }
    }

    private static func index(_ level: Logger.Level) -> Int {
        Logger.Level.allCases.firstIndex(of: level) ?? 2
    }
}
