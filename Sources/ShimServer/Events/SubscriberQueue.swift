import Synchronization

/// One subscriber's bounded queue: the hub pushes without waiting, the stream writer takes
/// everything that waits at once (so a burst goes out in one write, not one per event).
final class SubscriberQueue: Sendable {
    private struct State {
        var items: [EventSubscription.Item] = []
        var waiter: CheckedContinuation<[EventSubscription.Item]?, Never>?
        var finished = false
    }

    /// Events that may wait; one more and `push` refuses it.
    let capacity: Int
    private let state = Mutex(State())

    init(capacity: Int) { self.capacity = capacity }

    /// Queues an item; false when `capacity` events already wait (the subscriber is too slow).
    /// Keep-alives and notices are never refused.
    func push(_ item: EventSubscription.Item) -> Bool {
        let (accepted, waiter) = state.withLock { state -> (Bool, CheckedContinuation<[EventSubscription.Item]?, Never>?) in
            if state.finished { return (true, nil) }
            if case .event = item, state.items.count >= capacity { return (false, nil) }
            if let waiter = state.waiter {
                state.waiter = nil
                return (true, waiter)
            }
            state.items.append(item)
            return (true, nil)
        }
        waiter?.resume(returning: [item])
        return accepted
    }

    /// No more items: a waiting `next` gets what is left, then nil.
    func finish() {
        let waiter = state.withLock { state -> CheckedContinuation<[EventSubscription.Item]?, Never>? in
            state.finished = true
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume(returning: nil)
    }

    /// Everything waiting, oldest first, or (once finished and drained) nil. Waits while
    /// nothing does; a cancelled task gets nil.
    func next() async -> [EventSubscription.Item]? {
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let ready = state.withLock { state -> [EventSubscription.Item]?? in
                    if !state.items.isEmpty {
                        defer { state.items.removeAll(keepingCapacity: true) }
                        return .some(state.items)
                    }
                    if state.finished || Task.isCancelled { return .some(nil) }
                    state.waiter = continuation
                    return nil
                }
                if let ready { continuation.resume(returning: ready) }
            }
        } onCancel: {
            finish()
        }
    }
}
