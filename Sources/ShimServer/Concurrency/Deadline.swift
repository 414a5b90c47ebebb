/// Thrown when an inbound request's time budget runs out.
struct DeadlineExceeded: Error {}

/// Thrown when shutdown's drain time ran out before the request finished.
struct DrainExpired: Error {}

/// Runs `body`, cancelling it and throwing `DeadlineExceeded` when `deadline`
/// passes first, or `DrainExpired` when `drain` fires first.
/// `body` must honour cancellation (gateway calls and lock waits do).
func withDeadline<T: Sendable>(
    _ deadline: ContinuousClock.Instant, drain: DrainSignal? = nil, _ body: @escaping @Sendable () async throws -> T
) async throws -> T {
    try await withThrowingTaskGroup(of: T.self) { group in
        group.addTask { try await body() }
        group.addTask {
            try await Task.sleep(until: deadline, clock: .continuous)
            throw DeadlineExceeded()
        }
        if let drain {
            group.addTask {
                try await drain.wait()
                throw DrainExpired()
            }
        }
        defer { group.cancelAll() }
        guard let first = try await group.next() else { throw DeadlineExceeded() }
        return first
    }
}

extension ContinuousClock.Instant {
    /// Time left until this instant, never negative.
    var remaining: Duration { max(.zero, self - .now) }
}
