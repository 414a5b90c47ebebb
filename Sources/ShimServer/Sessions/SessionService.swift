import Logging
import ServiceLifecycle

/// Runs the agents' poll loops and signs agents out at shutdown.
///
/// Its place in the service group matters: it is listed before the HTTP server,
/// so on SIGTERM the server stops accepting and finishes in-flight requests
/// first, then this service stops the pollers and signs the agents out
/// (`DELETE onlineagent/{id}/logout`, PROTOCOL.md §2.3), then the HTTP client closes.
struct SessionService: Service {
    let registry: SessionRegistry
    let pollers: PollerLauncher
    let signInAtStartup: Bool
    let signOutOnShutdown: Bool
    let logger: Logger

    func run() async throws {
        await withDiscardingTaskGroup { group in
            if signInAtStartup {
                for session in registry.all {
                    group.addTask {
                        do {
                            try await session.ensureSignedIn()
                        } catch let failure as GatewayFailure {
                            logger.warning("sign-in at start-up failed", metadata: ["agent.id": "\(session.agentID)", "error": "\(failure.message)"])
                        } catch {}
                    }
                }
            }
            for await request in pollers.requests.cancelOnGracefulShutdown() {
                group.addTask { await request.session.runPoller(generation: request.generation) }
            }
            group.cancelAll()
        }
        pollers.finish()
        await withDiscardingTaskGroup { group in
            for session in registry.all {
                group.addTask { await session.close(signOut: signOutOnShutdown) }
            }
        }
        logger.info("sessions closed")
    }
}
