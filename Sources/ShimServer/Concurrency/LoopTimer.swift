import NIOCore
import NIOPosix

/// Timers on NIO's event loops (the group async-http-client and Hummingbird use).
///
/// `Task.sleep` arms a Dispatch timer and resumes on a Dispatch worker thread; on the
/// hot paths (every event poll, every forwarded request) that meant two extra thread
/// wake-ups per call. A NIO scheduled task fires inside the event loop's own
/// `epoll_wait` timeout, on the thread that is already serving the connection when
/// Swift concurrency runs on the event loops (see the executable's `Main`).
enum LoopTimer {
    /// Sleeps for `duration`; throws when the calling task is cancelled first.
    static func sleep(for duration: Duration) async throws {
        let scheduled = MultiThreadedEventLoopGroup.singleton.any().scheduleTask(in: .init(duration)) {}
        try await withTaskCancellationHandler {
            try await scheduled.futureResult.get()
        } onCancel: {
            scheduled.cancel()
        }
    }

    /// Runs `action` at `deadline` unless the returned task is cancelled first.
    static func at(_ deadline: ContinuousClock.Instant, _ action: @escaping @Sendable () -> Void) -> Scheduled<Void> {
        MultiThreadedEventLoopGroup.singleton.any().scheduleTask(in: .init(max(.zero, deadline - .now)), action)
    }
}
