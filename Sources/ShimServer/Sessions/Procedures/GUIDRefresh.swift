import Logging
import ShimCore

/// A fresh GUID after the gateway refused one (000-003): first `updateGuid` with the
/// newest GUID held (PROTOCOL.md §3.3); if the gateway refuses that too, `forcelogin`:
/// it is the shim's own session that went stale, so taking it back displaces no one
/// else. Runs on the session's actor, single-flight (`AgentSession.refreshGUID`).
struct GUIDRefresh {
    /// The credentials the gateway refused.
    let stale: SessionMachine.Credentials

    func run(_ session: isolated AgentSession) async throws -> SessionMachine.Credentials {
        let settings = session.settings
        let logger = session.logger
        let agentID = session.agentID
        guard let held = session.machine.current, held.generation == stale.generation else { return try await session.credentials() }
        let answer: GatewayAnswer
        do throws(GatewayCallError) {
            answer = try await session.call(.updateGuid(agentID), guid: held.guid, timeout: settings.requestTimeout)
        } catch {
            session.recordError("updateGuid: \(error.message)")
            throw SessionFailure(error)
        }
        let code = answer.retcode?.rawValue ?? ""
        if answer.retcode == .success, let guid = answer.decoded?.updatedGUID ?? answer.newGUID {
            session.replaceGUID(guid, generation: held.generation)
            logger.info("updateGuid", metadata: ["method": "updateGuid", "gateway.retcode": "0"])
            return session.machine.current ?? held
        }
        switch answer.retcode?.disposition {
        case .refreshGUID?:
            // Every GUID we hold is refused, yet the session is ours: take it back.
            session.metrics.sessionLost(.expired)
            logger.warning(
                "updateGuid refused; taking the session back with forceLogin", metadata: ["method": "updateGuid", "gateway.retcode": "\(code)"])
            return try await session.signInFlight.run { try await SignInProcedure(forcing: .staleGUID).run(session) }
        case .signInAgain?:
            // The session itself is gone: a plain sign-in (100-002 then follows sessions.forceLogin).
            await session.invalidate(
                generation: held.generation, reason: "updateGuid: \(code) (session gone)", retcode: answer.retcode, source: .updateGuid)
            return try await session.credentials()
        default:
            session.recordError("updateGuid: \(answer.summary)")
            throw SessionFailure(.unusableAnswer, "the gateway could not renew the GUID: \(answer.summary)", retcode: answer.retcode)
        }
    }
}
