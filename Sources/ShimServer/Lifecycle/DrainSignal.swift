import NIOConcurrencyHelpers

/// Fires once, when the shutdown drain time (`shutdown.timeout`) has run out;
/// requests still in flight then answer 503 instead of holding the exit.
final class DrainSignal: Sendable {
    private struct State {
        var fired = false
        var callbacks: [Int: @Sendable () -> Void] = [:]
        var nextID = 0
    }

    private let state = NIOLockedValueBox(State())

    /// Runs every registered callback, now and for later registrations.
    func fire() {
        let callbacks = state.withLockedValue { state in
            state.fired = true
            defer { state.callbacks = [:] }
            return Array(state.callbacks.values)
        }
        for callback in callbacks { callback() }
    }

    /// Calls `callback` once when fired (at once if it already was). Returns a ticket
    /// for `forget`, or nil when it already ran.
    func onFire(_ callback: @escaping @Sendable () -> Void) -> Int? {
        let ticket: Int? = state.withLockedValue { state in
            if state.fired { return nil }
            state.nextID += 1
            state.callbacks[state.nextID] = callback
            return state.nextID
        }
        if ticket == nil { callback() }
        return ticket
    }

    /// Drops a callback that is no longer wanted.
    func forget(_ ticket: Int) {
        _ = state.withLockedValue { $0.callbacks.removeValue(forKey: ticket) }
    }
}
