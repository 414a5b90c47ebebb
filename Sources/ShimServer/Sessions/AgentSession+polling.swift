import Logging
import ShimCore

extension AgentSession {
    /// The event poll loop of one sign-in (`generation`), run by `SessionService`.
    ///
    /// The gateway signs out an agent that is not polled for two minutes, and under
    /// AUTHMODE 2 delivers each new GUID in `Set-GUID` on poll answers (PROTOCOL.md
    /// §2.1, §3.2, §4.1), so this loop is what keeps the session alive. One poll in
    /// flight at a time, `pollInterval` between polls, `pollTimeout` per poll (it must
    /// exceed the ~10 s hold, §8 pitfall 8). Failures back off with jitter and never
    /// end the loop by themselves; 100-006 (and the other "sign in again" codes) do.
    /// Empty answers `{"message":"","retcode":"0"}` are normal (§8 pitfall 7).
    func runPoller(generation: Int) async {
        await pollLoop(generation: generation)
    }

    /// `sessions.keepSignedIn`: the gateway ended the session, so the shim signs the agent
    /// in again by itself (the new session's poll loop and re-apply start with it). A
    /// 100-002 follows `sessions.forceLogin` as any sign-in does, so a foreign holder keeps
    /// the agent unless the operator chose otherwise. Failures that may pass are retried
    /// with backoff; refusals end it (repeating a wrong password can lock the account).
    func signInAgainAfterEnd() async {
        var failures = 0
        while !Task.isCancelled, current == nil {
            do {
                _ = try await credentials()
                logger.info("signed in again after the gateway ended the session", metadata: ["session.origin": "\(origin?.rawValue ?? "-")"])
                return
            } catch let failure as SessionFailure {
                guard SkillSync.next(after: failure) == .retry else {
                    logger.notice("not signed in again after the gateway ended the session", metadata: ["error": "\(failure.message)"])
                    return
                }
                failures += 1
                let pause = settings.backoff(attempt: failures, base: .milliseconds(500), cap: settings.reapplyMaxBackoff)
                do { try await Task.sleep(for: pause) } catch { return }
            } catch {
                return
            }
        }
    }

    private func pollLoop(generation: Int) async {
        var failures = 0
        while !Task.isCancelled {
            guard let held = current, held.generation == generation else { return }
            do throws(GatewayCallError) {
                let answer = try await call(.getAgentEvent(agentID), guid: held.guid, timeout: settings.pollTimeout)
                if let current, current.generation == generation, current.guid != held.guid {
                    logger.info("getAgentEvent: GUID rotated", metadata: ["method": "getAgentEvent", "session.generation": "\(generation)"])
                }
                switch answer.retcode?.disposition {
                case .success?:
                    polled()
                    failures = 0
                case .signInAgain?:
                    let code = answer.retcode?.rawValue ?? ""
                    logger.warning(
                        "getAgentEvent: session ended by the gateway", metadata: ["method": "getAgentEvent", "gateway.retcode": "\(code)"])
                    invalidate(generation: generation, reason: "getAgentEvent: \(code) (signed out by the gateway)", retcode: answer.retcode)
                    // Cluster mode: etcd decides whether this member may act again (issue #11, behaviour 4).
                    await cluster?.sessionEnded(agentID)
                    if settings.keepSignedIn { await signInAgainAfterEnd() }
                    return
                case .refreshGUID?:
                    failures += 1
                    logger.warning("getAgentEvent: GUID refused", metadata: ["method": "getAgentEvent", "gateway.retcode": "000-003"])
                    _ = try? await refreshGUID(after: held)
                default:
                    failures += 1
                    recordError("getAgentEvent: \(answer.summary)")
                    logger.warning(
                        "getAgentEvent failed",
                        metadata: [
                            "method": "getAgentEvent", "gateway.retcode": "\(answer.retcode?.rawValue ?? "none")", "http.status": "\(answer.status)",
                        ])
                }
            } catch {
                if Task.isCancelled { return }  // shutting down
                failures += 1
                recordError("getAgentEvent: \(error.message)")
                if failures == 1 || failures % 10 == 0 {
                    logger.warning(
                        "getAgentEvent failed", metadata: ["method": "getAgentEvent", "error": "\(error.message)", "failures": "\(failures)"])
                }
            }
            let pause =
                failures == 0
                ? settings.pollInterval
                : max(settings.pollInterval, settings.backoff(attempt: failures, base: .milliseconds(250), cap: settings.maxPollBackoff))
            do {
                try await LoopTimer.sleep(for: pause)
            } catch {
                return
            }
        }
    }
}
