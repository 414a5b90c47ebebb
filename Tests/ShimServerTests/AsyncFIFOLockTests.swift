import NIOConcurrencyHelpers
import Testing

@testable import ShimServer

/// The per-agent lock: one holder, handed over in arrival order, cancellable while waiting.
@Suite struct AsyncFIFOLockTests {
    @Test func freeLockIsTakenAtOnceAndReleased() async throws {
        let lock = AsyncFIFOLock()
        try await lock.lock()
        #expect(lock.waiting == 0)
        lock.unlock()
        try await lock.lock()  // free again
        lock.unlock()
    }

    @Test func waitersAreServedInArrivalOrder() async throws {
        let lock = AsyncFIFOLock()
        let order = NIOLockedValueBox<[Int]>([])
        try await lock.lock()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for n in 1...5 {
                group.addTask {
                    try await lock.withLock { order.withLockedValue { $0.append(n) } }
                }
                while lock.waiting < n { await Task.yield() }  // queued in this order
            }
            lock.unlock()
            try await group.waitForAll()
        }
        #expect(order.withLockedValue { $0 } == [1, 2, 3, 4, 5])
    }

    @Test func cancelledWaiterLeavesTheQueueWithoutTheLock() async throws {
        let lock = AsyncFIFOLock()
        try await lock.lock()
        let waiter = Task { try await lock.lock() }
        while lock.waiting < 1 { await Task.yield() }
        waiter.cancel()
        await #expect(throws: CancellationError.self) { try await waiter.value }
        #expect(lock.waiting == 0)
        lock.unlock()
        try await lock.lock()  // the cancelled waiter did not keep it
        lock.unlock()
    }

    @Test func alreadyCancelledTaskDoesNotTakeAFreeLock() async throws {
        let lock = AsyncFIFOLock()
        let task = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            try await lock.lock()
        }
        await #expect(throws: CancellationError.self) { try await task.value }
        try await lock.lock()  // still free
        lock.unlock()
    }
}
