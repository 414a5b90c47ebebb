import Logging
import ServiceLifecycle
import ShimCore

/// Resumes saved sessions at start, runs the agents' poll loops and the state
/// writer, and signs agents out (or saves their sessions) at shutdown.
///
/// Its place in the service group matters: it is listed before the HTTP server,
/// so on SIGTERM the server stops accepting and finishes in-flight requests
/// first, then this service stops the pollers and signs the agents out
/// (`DELETE onlineagent/{id}/logout`, PROTOCOL.md §2.3) or, without
/// `signOutOnShutdown`, saves their sessions for the next process; then the HTTP
/// client closes.
struct SessionService: Service {
    let registry: SessionRegistry
    let pollers: PollerLauncher
    let signInAtStartup: Bool
    var signInConcurrency = 16
    let signOutOnShutdown: Bool
    let logger: Logger
    let metrics: ShimMetrics
    /// Where sessions are saved; nil: nothing is saved.
    var store: StateStore?
    /// Sessions saved by the previous process that may still be alive.
    var saved: [AgentID: SavedSession] = [:]
    /// Saved sessions dropped at start (too old, or their agent changed).
    var goneAtStart = 0
    /// How long to wait for the resumed sessions' first polls before the start-up line.
    var resumeWait: Duration = .seconds(120)
    /// This process among others: nothing in a single process; in a cluster the member's
    /// keepalive and claims run here, agents are signed in by their owners only, and
    /// shutdown hands them over.
    var membership: any Membership = SoloMembership()

    func run() async throws {
        // Saved sessions are installed before anything else may sign an agent in.
        let tally = await resumeSaved()
        await withDiscardingTaskGroup { group in
            if let store { group.addTask { await store.run() } }
            group.addTask { [membership] in await membership.run() }
            if let tally {
                group.addTask { [logger, resumeWait] in
                    await withTaskGroup(of: Void.self) { waiter in
                        waiter.addTask { for await _ in tally.finished {} }
                        waiter.addTask { try? await Task.sleep(for: resumeWait) }
                        _ = await waiter.next()
                        waiter.cancelAll()
                    }
                    tally.log(to: logger)
                }
            }
            if signInAtStartup, membership.signsInAtStartup {
                for share in Self.shares(of: registry.all, count: signInConcurrency) {
                    group.addTask { await signInAtStart(share) }
                }
            }
            for await request in pollers.requests.cancelOnGracefulShutdown() {
                group.addTask { await request.run() }
            }
            group.cancelAll()
        }
        pollers.finish()
        // In a cluster, only the last member out signs agents out; the others release them.
        let last = await membership.isLast()
        let signOut = signOutOnShutdown && last
        // Sign-outs are bounded like sign-ins: each needs a fresh connection (the polls'
        // connections closed with their cancellation), and 10,000 TLS handshakes at
        // once would time out and leave agents signed in.
        await withDiscardingTaskGroup { group in
            for share in Self.shares(of: registry.all, count: signInConcurrency) {
                group.addTask {
                    for session in share { await session.close(signOut: signOut) }
                }
            }
        }
        if await membership.leave(signedOut: signOut, last: last) { store?.removeAll() }
        if let store {
            if signOut { store.removeAll() }
            store.flush()
        }
        logger.info("sessions closed", metadata: ["sessions.saved": "\(store != nil && !signOut)"])
    }

    /// Resumes every saved session that has a GUID (issue #10), without signing in: each
    /// starts its poll loop at once, and the first answer decides. The returned tally
    /// writes one `info` line once every first poll has answered.
    private func resumeSaved() async -> ResumeTally? {
        // In a cluster, only the agents whose keys our kept lease still holds are ours to resume.
        var resumable: [(AgentSession, SavedSession)] = []
        for session in registry.all {
            guard let record = saved[session.agentID], record.guid != nil, await membership.mayResume(session.agentID) else { continue }
            resumable.append((session, record))
        }
        guard !resumable.isEmpty || goneAtStart > 0 else { return nil }
        let tally = ResumeTally(expected: resumable.count, goneAtStart: goneAtStart, metrics: metrics)
        for (session, saved) in resumable { await session.resume(saved, tally: tally) }
        return tally
    }

    /// `sessions` dealt round-robin into at most `count` non-empty shares.
    static func shares(of sessions: [AgentSession], count: Int) -> [[AgentSession]] {
        let workers = max(1, min(count, sessions.count))
        var shares = Array(repeating: [AgentSession](), count: workers)
        for (index, session) in sessions.enumerated() { shares[index % workers].append(session) }
        return shares.filter { !$0.isEmpty }
    }

    /// Signs `sessions` in one after another (one of `signInConcurrency` workers).
    ///
    /// A sign-in that failed for a reason that may pass (gateway unreachable, timed
    /// out, 5xx or "try later") is tried again after the others, with backoff up to
    /// 30 s, until it succeeds or the shim stops. Refusals (wrong password, phone,
    /// signed in elsewhere) are not: repeating a wrong password can lock the account.
    func signInAtStart(_ sessions: [AgentSession]) async {
        var pending = sessions
        var round = 0
        while !pending.isEmpty, !Task.isCancelled {
            var again: [AgentSession] = []
            for session in pending {
                do {
                    try await session.ensureSignedIn()
                } catch let failure as SessionFailure {
                    let transient = failure.mayPass
                    if transient { again.append(session) }
                    if round == 0 || !transient {
                        logger.warning(
                            "sign-in at start-up failed",
                            metadata: ["agent.id": "\(session.agentID)", "error": "\(failure.message)", "retrying": "\(transient)"])
                    }
                } catch {
                    return  // cancelled: shutting down
                }
            }
            pending = again
            round += 1
            guard !pending.isEmpty else { return }
            let pause = Duration.seconds(min(30, 1 << min(round - 1, 5)))
            do { try await Task.sleep(for: pause) } catch { return }
        }
    }
}
