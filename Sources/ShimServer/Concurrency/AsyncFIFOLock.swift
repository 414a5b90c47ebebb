import NIOConcurrencyHelpers

/// A mutual-exclusion lock for async code that hands the lock over in arrival
/// order, and lets a waiter give up (cancellation) without taking it.
///
/// Used to keep at most one resetskill per agent in flight to the gateway,
/// which refuses a repeated call before the first is answered (PROTOCOL.md §7).
final class AsyncFIFOLock: Sendable {
    private struct State {
        var locked = false
        var waiters: [(id: Int, continuation: CheckedContinuation<Void, any Error>)] = []
        var cancelledBeforeWaiting: Set<Int> = []
        var nextID = 0
    }

    private let state = NIOLockedValueBox(State())

    init() {}

    /// Waits for the lock. Throws `CancellationError` if cancelled before it is granted.
    ///
    /// A free lock is taken at once, without suspending: that is the common case (one
    /// request per agent at a time). It runs on the caller's executor (the agent's actor)
    /// rather than hopping to the global one and back: two task switches fewer per request.
    nonisolated(nonsending) func lock() async throws {
        try Task.checkCancellation()
        let id = state.withLockedValue { state -> Int? in
            if !state.locked, state.waiters.isEmpty {
                state.locked = true
                return nil
            }
            state.nextID += 1
            return state.nextID
        }
        guard let id else { return }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                enum Action { case granted, wait, cancelled }
                let action = state.withLockedValue { state -> Action in
                    if state.cancelledBeforeWaiting.remove(id) != nil { return .cancelled }
                    if !state.locked {
                        state.locked = true
                        return .granted
                    }
                    state.waiters.append((id, continuation))
                    return .wait
                }
                switch action {
                case .granted: continuation.resume()
                case .cancelled: continuation.resume(throwing: CancellationError())
                case .wait: break
                }
            }
        } onCancel: {
            let waiter = state.withLockedValue { state -> CheckedContinuation<Void, any Error>? in
                if let index = state.waiters.firstIndex(where: { $0.id == id }) {
                    return state.waiters.remove(at: index).continuation
                }
                state.cancelledBeforeWaiting.insert(id)
                return nil
            }
            waiter?.resume(throwing: CancellationError())
        }
    }

    /// Releases the lock, handing it to the longest waiter if there is one.
    func unlock() {
        let next = state.withLockedValue { state -> CheckedContinuation<Void, any Error>? in
            if state.waiters.isEmpty {
                state.locked = false
                return nil
            }
            return state.waiters.removeFirst().continuation
        }
        next?.resume()
    }

    /// Runs `body` holding the lock.
    func withLock<T: Sendable>(isolation: isolated (any Actor)? = #isolation, _ body: () async throws -> T) async throws -> T {
        try await lock()
        defer { unlock() }
        return try await body()
    }

    /// How many callers wait for the lock now.
    var waiting: Int { state.withLockedValue { $0.waiters.count } }
}
