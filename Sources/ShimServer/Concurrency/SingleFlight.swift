import NIOConcurrencyHelpers

/// Runs at most one instance of a shared operation at a time; every caller that
/// arrives while it runs gets its result.
///
/// Two properties the naive "store a Task and await its value" lacks
/// (ENGINEERING.md, Concurrency): a caller that is cancelled (its deadline
/// passed) stops waiting at once without cancelling the work the others still
/// wait for, and a failure does not stick: the next call after it ends starts afresh.
final class SingleFlight<Value: Sendable>: Sendable {
    private struct State {
        var waiters: [Int: CheckedContinuation<Value, any Error>] = [:]
        var cancelledBeforeWaiting: Set<Int> = []
        var running = false
        var nextID = 0
    }

    private enum Action { case start, join, cancelled }

    private let state = NIOLockedValueBox(State())

    init() {}

    /// Joins the running operation, or starts `operation` if none runs.
    func run(_ operation: @escaping @Sendable () async throws -> Value) async throws -> Value {
        let id = state.withLockedValue { state in
            state.nextID += 1
            return state.nextID
        }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Value, any Error>) in
                let action = state.withLockedValue { state -> Action in
                    if state.cancelledBeforeWaiting.remove(id) != nil { return .cancelled }
                    state.waiters[id] = continuation
                    if state.running { return .join }
                    state.running = true
                    return .start
                }
                switch action {
                case .cancelled:
                    continuation.resume(throwing: CancellationError())
                case .join:
                    break
                case .start:
                    // Unstructured on purpose: the shared work must outlive any one
                    // caller's cancellation. It ends by itself (its own timeouts).
                    Task { await self.execute(operation) }
                }
            }
        } onCancel: {
            let waiter = state.withLockedValue { state in
                guard let waiter = state.waiters.removeValue(forKey: id) else {
                    state.cancelledBeforeWaiting.insert(id)
                    return nil as CheckedContinuation<Value, any Error>?
                }
                return waiter
            }
            waiter?.resume(throwing: CancellationError())
        }
    }

    private func execute(_ operation: @Sendable () async throws -> Value) async {
        let result: Result<Value, any Error>
        do {
            result = .success(try await operation())
        } catch {
            result = .failure(error)
        }
        let waiters = state.withLockedValue { state in
            let waiters = state.waiters
            state.waiters = [:]
            state.running = false
            return waiters
        }
        for waiter in waiters.values { waiter.resume(with: result) }
    }

    /// Waits for the running operation to end, if one runs; does not start one.
    /// Its outcome is ignored.
    func waitIfRunning() async {
        guard isRunning else { return }
        _ = try? await run { throw CancellationError() }
    }

    /// Whether an operation is running now (for tests and status).
    var isRunning: Bool { state.withLockedValue { $0.running } }
}
