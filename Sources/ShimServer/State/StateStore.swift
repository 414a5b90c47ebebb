import Foundation
import Logging
import NIOConcurrencyHelpers
import ShimCore

/// The saved sessions (issue #10): kept in memory and written to
/// `<state.directory>/sessions.json` so a restarted shim resumes its agents.
///
/// Writes are atomic (a temporary file written, fsynced, renamed over the old one,
/// then the directory fsynced: a crash at any moment leaves the previous or the new
/// file, never a torn one) and coalesced (`run()` writes at most once per
/// `interval`, and only when something changed; poll times alone are written every
/// `touchInterval`). The file is created `0600`. Nothing here logs a GUID or cookie.
final class StateStore: Sendable {
    static let fileName = "sessions.json"

    let directory: String
    var path: String { directory + "/" + Self.fileName }
    /// Longest delay before a sign-in, rotation or lost session reaches the disk.
    let interval: Duration
    /// How often poll times alone are written.
    let touchInterval: Duration
    private let logger: Logger
    private let metrics: ShimMetrics

    private struct Inner {
        var state: SavedState
        /// A change that must reach the disk soon (sign-in, rotation, session ended).
        var dirty = false
        /// Only contact times changed.
        var touched = false
        var lastWrite = ContinuousClock.now
        /// The last write failed: say so once, not every second.
        var failing = false
    }

    private let inner: NIOLockedValueBox<Inner>

    init(directory: String, state: SavedState, interval: Duration, touchInterval: Duration, metrics: ShimMetrics, logger: Logger) {
        self.directory = directory
        self.interval = interval
        self.touchInterval = touchInterval
        self.metrics = metrics
        self.logger = logger
        inner = NIOLockedValueBox(Inner(state: state))
    }

    // MARK: Changes

    /// The saved session of `agent`, if any.
    func session(_ agent: AgentID) -> SavedSession? {
        inner.withLockedValue { $0.state.sessions[agent] }
    }

    /// Saves `session` for `agent` (written within `interval`).
    func record(_ agent: AgentID, _ session: SavedSession) {
        inner.withLockedValue {
            $0.state.sessions[agent] = session
            $0.dirty = true
        }
    }

    /// Changes the saved session of `agent` in place, if there is one.
    func update(_ agent: AgentID, _ change: (inout SavedSession) -> Void) {
        inner.withLockedValue {
            guard var session = $0.state.sessions[agent] else { return }
            change(&session)
            $0.state.sessions[agent] = session
            $0.dirty = true
        }
    }

    /// The desired skills saved for `agent`, if any.
    func desired(_ agent: AgentID) -> DesiredSkills? {
        inner.withLockedValue { $0.state.desired[agent] }
    }

    /// Saves the desired skills of `agent`; they outlive its sessions. A new choice is
    /// written within `interval`; the same choice again (a caller repeating its reset) only
    /// refreshes when and by which request, written lazily like a poll time.
    func setDesired(_ agent: AgentID, _ desired: DesiredSkills) {
        inner.withLockedValue {
            let before = $0.state.desired[agent]
            guard before != desired else { return }
            $0.state.desired[agent] = desired
            if before?.choice == desired.choice { $0.touched = true } else { $0.dirty = true }
        }
    }

    /// Saves the last successful reset of `agent`'s session, if one is saved; as with
    /// `setDesired`, only a new choice is written soon.
    func setApplied(_ agent: AgentID, _ applied: AppliedSkills) {
        inner.withLockedValue {
            guard let before = $0.state.sessions[agent] else { return }
            $0.state.sessions[agent]?.applied = applied
            if before.applied?.choice == applied.choice { $0.touched = true } else { $0.dirty = true }
        }
    }

    /// A successful poll: the session was alive at `contactAt` (written lazily).
    func touch(_ agent: AgentID, contactAt: Int64) {
        inner.withLockedValue {
            guard $0.state.sessions[agent] != nil else { return }
            $0.state.sessions[agent]?.contactAt = contactAt
            $0.touched = true
        }
    }

    /// Forgets the session of `agent` (it ended, or was signed out).
    func remove(_ agent: AgentID) {
        inner.withLockedValue {
            if $0.state.sessions.removeValue(forKey: agent) != nil { $0.dirty = true }
        }
    }

    /// Forgets every session (shutdown with `signOutOnShutdown`).
    func removeAll() {
        inner.withLockedValue {
            $0.state.sessions.removeAll()
            $0.dirty = true
        }
    }

    // MARK: Writing

    /// Writes changes as they come, coalesced, until cancelled. `flush()` writes the last ones.
    func run() async {
        while !Task.isCancelled {
            do { try await LoopTimer.sleep(for: interval) } catch { return }
            write(force: false)
        }
    }

    /// Writes now if anything changed since the last write.
    func flush() {
        write(force: true)
    }

    private func write(force: Bool) {
        let snapshot: SavedState? = inner.withLockedValue { inner in
            let touchedLongEnough = inner.touched && ContinuousClock.now - inner.lastWrite >= touchInterval
            guard inner.dirty || touchedLongEnough || (force && inner.touched) else { return nil }
            inner.dirty = false
            inner.touched = false
            inner.lastWrite = .now
            return inner.state
        }
        guard let snapshot else { return }
        let started = ContinuousClock.now
        do {
            try StateFile.write(snapshot.encoded(), to: path)
            metrics.stateWrite(ok: true, duration: ContinuousClock.now - started)
            let recovered = inner.withLockedValue { inner in
                defer { inner.failing = false }
                return inner.failing
            }
            if recovered { logger.notice("saving sessions works again", metadata: ["state.directory": "\(directory)"]) }
        } catch {
            metrics.stateWrite(ok: false, duration: ContinuousClock.now - started)
            let first = inner.withLockedValue { inner in
                inner.dirty = true  // try again at the next turn
                defer { inner.failing = true }
                return !inner.failing
            }
            if first {
                logger.error(
                    "cannot save sessions; a restart will sign agents in again", metadata: ["state.directory": "\(directory)", "error": "\(error)"])
            }
        }
    }
}
