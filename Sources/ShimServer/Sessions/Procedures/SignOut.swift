import Logging
import ShimCore

/// Signs the agent out (`logout`, PROTOCOL.md §2.3) if it is signed in: the session is
/// given up first (the guard told, the record forgotten), so nothing uses it meanwhile.
/// Runs on the session's actor.
struct SignOut {
    func run(_ session: isolated AgentSession) async {
        let (held, actions) = session.machine.signingOut()
        guard let held else { return }
        await session.execute(actions)
        do throws(GatewayCallError) {
            let answer = try await session.call(.logout(session.agentID), guid: held.guid, timeout: session.settings.signOutTimeout)
            session.logger.info(
                "logout", metadata: ["method": "logout", "gateway.retcode": "\(answer.retcode?.rawValue ?? "http \(answer.status)")"])
        } catch {
            session.logger.warning("logout failed", metadata: ["method": "logout", "error": "\(error.message)"])
        }
    }
}
