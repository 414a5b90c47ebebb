import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// Enforces the time limits of held event polls with one sweep every `granularity`
/// instead of one event-loop timer per poll.
///
/// Every agent keeps a poll held at the gateway for ~10 s (PROTOCOL.md §4.1). Giving each
/// its own deadline timer put one entry per agent into the event loops' timer heaps, and
/// NIO removes a cancelled timer by searching its heap: with 10,000 agents, every poll
/// answer and every connection's idle timer paid for a search through ~5,000 entries
/// (docs/BENCHMARKS.md). Here a poll is a dictionary entry; the sweep cancels the ones
/// past their deadline, at most `granularity` late.
final class LongCallWatch: Sendable {
    /// How a watched call is stopped when its time is up.
    struct Entry: Sendable {
        let deadline: NIODeadline
        let expire: @Sendable () -> Void
    }

    let granularity: TimeAmount
    private let state = NIOLockedValueBox<(next: UInt64, entries: [UInt64: Entry])>((0, [:]))
    private let sweeper = NIOLockedValueBox<RepeatedTask?>(nil)

    init(granularity: TimeAmount = .milliseconds(200)) {
        self.granularity = granularity
    }

    /// Starts sweeping; call once.
    func start() {
        let task = MultiThreadedEventLoopGroup.singleton.any().scheduleRepeatedTask(initialDelay: granularity, delay: granularity) {
            [weak self] _ in self?.sweep(now: .now())
        }
        sweeper.withLockedValue { $0 = task }
    }

    /// Stops sweeping (shutdown).
    func stop() {
        sweeper.withLockedValue {
            $0?.cancel()
            $0 = nil
        }
    }

    /// Watches a call until `forget` with the returned ticket; `expire` runs once if
    /// `deadline` passes first.
    func watch(deadline: NIODeadline, expire: @escaping @Sendable () -> Void) -> UInt64 {
        state.withLockedValue { state in
            state.next += 1
            state.entries[state.next] = Entry(deadline: deadline, expire: expire)
            return state.next
        }
    }

    /// The call finished: stop watching it.
    func forget(_ ticket: UInt64) {
        _ = state.withLockedValue { $0.entries.removeValue(forKey: ticket) }
    }

    /// Expires every call whose deadline is at or before `now`.
    func sweep(now: NIODeadline) {
        let expired = state.withLockedValue { state -> [Entry] in
            var expired: [(ticket: UInt64, entry: Entry)] = []
            for (ticket, entry) in state.entries where entry.deadline <= now { expired.append((ticket, entry)) }
            for item in expired { state.entries[item.ticket] = nil }
            return expired.map(\.entry)
        }
        for entry in expired { entry.expire() }
    }

    /// Calls being watched now.
    var count: Int { state.withLockedValue { $0.entries.count } }
}
