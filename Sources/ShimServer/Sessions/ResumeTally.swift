import Logging
import NIOConcurrencyHelpers
import ShimCore

/// Counts what became of the sessions saved before a restart, and writes the one
/// `info` line that says it ("sessions resumed": how many were resumed, how many were
/// gone, how many were taken back) once every resumed session's first poll has
/// answered, or when `SessionService` stops waiting.
final class ResumeTally: Sendable {
    private struct Counts {
        var expected = 0
        var resumed = 0
        var gone = 0
        var takenBack = 0
        var logged = false
        var reported: Int { resumed + gone + takenBack }
    }

    private let counts: NIOLockedValueBox<Counts>
    private let done: AsyncStream<Void>.Continuation
    let finished: AsyncStream<Void>
    private let metrics: ShimMetrics

    /// `expected`: the sessions being resumed; `goneAtStart`: saved sessions dropped
    /// at start (older than `gateway.unpolledSignOut`, or no longer configured).
    init(expected: Int, goneAtStart: Int, metrics: ShimMetrics) {
        self.metrics = metrics
        counts = NIOLockedValueBox(Counts(expected: expected + goneAtStart, gone: goneAtStart))
        (finished, done) = AsyncStream.makeStream(of: Void.self)
        for _ in 0..<goneAtStart { metrics.resumed(.gone) }
        if expected == 0 { done.finish() }
    }

    /// One resumed session's fate.
    func report(_ result: ShimMetrics.ResumeResult) {
        metrics.resumed(result)
        let complete = counts.withLockedValue { counts in
            switch result {
            case .resumed: counts.resumed += 1
            case .gone: counts.gone += 1
            case .takenBack: counts.takenBack += 1
            }
            return counts.reported >= counts.expected
        }
        if complete { done.finish() }
    }

    /// Writes the start-up line once (nothing when no session was saved).
    func log(to logger: Logger) {
        let counts = counts.withLockedValue { counts in
            defer { counts.logged = true }
            return counts.logged ? nil : counts
        }
        guard let counts, counts.expected > 0 else { return }
        logger.info(
            "sessions resumed",
            metadata: [
                "sessions.resumed": "\(counts.resumed)", "sessions.gone": "\(counts.gone)", "sessions.taken_back": "\(counts.takenBack)",
                "sessions.pending": "\(counts.expected - counts.reported)",
            ])
    }
}
