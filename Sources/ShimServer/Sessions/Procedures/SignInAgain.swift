import Logging
import ShimCore

/// The session machine said to sign the agent in again by itself (`SessionMachine.afterEnd`):
/// tries while the shim is still meant to hold the agent. A 100-002 follows
/// `sessions.forceLogin` as any sign-in does, so a foreign holder keeps the agent unless
/// the operator chose otherwise. Failures that may pass are retried with backoff up to
/// `skills.reapplyMaxBackoff`; a refusal ends it (repeating a wrong password can lock the
/// account). Runs on the session's actor.
struct SignInAgain {
    let reason: SessionMachine.SignInAgainReason

    func run(_ session: isolated AgentSession) async {
        var failures = 0
        while !Task.isCancelled, session.machine.current == nil, session.machine.holdExpected {
            do {
                _ = try await session.credentials()
                session.logger.info(
                    "signed in again after the gateway ended the session",
                    metadata: ["session.origin": "\(session.machine.origin?.rawValue ?? "-")", "sign_in.reason": "\(reason.rawValue)"])
                return
            } catch let failure as SessionFailure {
                guard SkillSync.next(after: failure) == .retry else {
                    session.logger.notice("not signed in again after the gateway ended the session", metadata: ["error": "\(failure.message)"])
                    return
                }
                failures += 1
                let pause = session.settings.backoff(attempt: failures, base: .milliseconds(500), cap: session.settings.reapplyMaxBackoff)
                do { try await Task.sleep(for: pause) } catch { return }
            } catch {
                return
            }
        }
    }
}
