import NIOConcurrencyHelpers
import NIOCore

/// Runs `body`, cancelling it and throwing `CutOff.deadline` when `deadline`
/// passes first, or `CutOff.drain` when `drain` fires first. `body` must honour
/// cancellation (gateway calls and lock waits do). When `body` finishes although
/// the deadline fired meanwhile, its result wins: the work was done.
///
/// One task for `body` and one event-loop timer, rather than a task group racing a
/// sleeping task: this runs once per forwarded request (docs/BENCHMARKS.md).
func withDeadline<T: Sendable>(
    _ deadline: ContinuousClock.Instant, drain: DrainSignal? = nil, _ body: @escaping @Sendable () async throws -> T
) async throws -> T {
    let expiry = NIOLockedValueBox<(any Error)?>(nil)
    let work = Task { try await body() }
    let timer = LoopTimer.at(deadline) {
        expiry.withLockedValue { if $0 == nil { $0 = CutOff.deadline } }
        work.cancel()
    }
    let drainTicket = drain?.onFire {
        expiry.withLockedValue { if $0 == nil { $0 = CutOff.drain } }
        work.cancel()
    }
    defer {
        timer.cancel()
        if let drainTicket { drain?.forget(drainTicket) }
    }
    do {
        return try await withTaskCancellationHandler {
            try await work.value
        } onCancel: {
            work.cancel()
        }
    } catch {
        if let reason = expiry.withLockedValue({ $0 }) { throw reason }
        throw error
    }
}

extension ContinuousClock.Instant {
    /// Time left until this instant, never negative.
    var remaining: Duration { max(.zero, self - .now) }
}
