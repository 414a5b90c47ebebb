import Synchronization

/// The number of requests in flight.
final class InFlightCounter: Sendable {
    private let count = Atomic<Int>(0)

    /// Counts one more request if that stays within `limit`.
    func enter(limit: Int) -> Bool {
        let now = count.wrappingAdd(1, ordering: .relaxed).newValue
        if now > limit {
            count.wrappingSubtract(1, ordering: .relaxed)
            return false
        }
        return true
    }

    func leave() { count.wrappingSubtract(1, ordering: .relaxed) }

    var current: Int { count.load(ordering: .relaxed) }
}
