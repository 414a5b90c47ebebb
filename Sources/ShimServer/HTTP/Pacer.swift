/// Spaces the starts of work to at most `ratePerSecond`: each `wait()` returns at its
/// own slot, one interval after the previous one (never earlier than now). Used by the
/// bulk reset, whose gateway calls the gateway and its NSLB must absorb.
actor Pacer {
    private let interval: Duration
    private var next = ContinuousClock.now

    init(ratePerSecond: Int) {
        interval = .seconds(1) / max(ratePerSecond, 1)
    }

    /// Waits for the next free slot. Throws when cancelled.
    func wait() async throws {
        let slot = max(next, .now)
        next = slot + interval
        if slot > .now { try await Task.sleep(until: slot) }
    }
}
