import Logging
import ShimCore

/// The event poll loop of one sign-in (`generation`), run by `SessionService`.
///
/// The gateway signs out an agent that is not polled for two minutes, and under
/// AUTHMODE 2 delivers each new GUID in `Set-GUID` on poll answers (PROTOCOL.md §2.1,
/// §3.2, §4.1), so this loop is what keeps the session alive. One poll in flight at a
/// time, `pollInterval` between polls, `pollTimeout` per poll (it must exceed the ~10 s
/// hold, §8 pitfall 8). Failures back off with jitter and never end the loop by
/// themselves; 100-006 (and the other "sign in again" codes) do, and the session
/// machine says what follows. Empty answers `{"message":"","retcode":"0"}` are normal
/// (§8 pitfall 7). Runs on the session's actor.
struct SessionPoller {
    let generation: Int

    func run(_ session: isolated AgentSession) async {
        let settings = session.settings
        let logger = session.logger
        var failures = 0
        while !Task.isCancelled {
            guard let held = session.current, held.generation == generation else { return }
            do throws(GatewayCallError) {
                let answer = try await session.call(.getAgentEvent(session.agentID), guid: held.guid, timeout: settings.pollTimeout)
                if let current = session.current, current.generation == generation, current.guid != held.guid {
                    logger.info("getAgentEvent: GUID rotated", metadata: ["method": "getAgentEvent", "session.generation": "\(generation)"])
                }
                let code = answer.retcode?.rawValue ?? ""
                switch answer.retcode?.disposition {
                case .success?:
                    session.polled(generation: generation)
                    // An answer carries at most one event (§4.1); it is passed on exactly as polled.
                    if let event = answer.decoded?.event, case .object = event { session.events?.publishGateway(session.agentID, event: event) }
                    failures = 0
                case .signInAgain?:
                    logger.warning(
                        "getAgentEvent: session ended by the gateway", metadata: ["method": "getAgentEvent", "gateway.retcode": "\(code)"])
                    await session.invalidate(
                        generation: generation, reason: "getAgentEvent: \(code) (signed out by the gateway)", retcode: answer.retcode, source: .poll)
                    return
                case .refreshGUID?:
                    failures += 1
                    logger.warning("getAgentEvent: GUID refused", metadata: ["method": "getAgentEvent", "gateway.retcode": "000-003"])
                    _ = try? await session.refreshGUID(after: held)
                default:
                    failures += 1
                    session.recordError("getAgentEvent: \(answer.summary)")
                    logger.warning(
                        "getAgentEvent failed",
                        metadata: [
                            "method": "getAgentEvent", "gateway.retcode": "\(code.isEmpty ? "none" : code)", "http.status": "\(answer.status)",
                        ])
                }
            } catch {
                if Task.isCancelled { return }  // shutting down
                failures += 1
                session.recordError("getAgentEvent: \(error.message)")
                if failures == 1 || failures % 10 == 0 {
                    logger.warning(
                        "getAgentEvent failed", metadata: ["method": "getAgentEvent", "error": "\(error.message)", "failures": "\(failures)"])
                }
            }
            let pause =
                failures == 0
                ? settings.pollInterval
                : max(settings.pollInterval, settings.backoff(attempt: failures, base: .milliseconds(250), cap: settings.maxPollBackoff))
            do { try await LoopTimer.sleep(for: pause) } catch { return }
        }
    }
}
