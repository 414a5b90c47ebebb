import ServiceLifecycle
import UnixSignals

/// Turns SIGHUP into a reload. The binary sets SIGHUP to "ignore" before
/// anything else, so a SIGHUP can never stop the process (the failure of units
/// whose `ExecReload=` kills the service); the runtime installs the trap before
/// any service starts, so it is in place before `READY=1`.
struct ReloadService: Service {
    let reloader: Reloader
    let signals: UnixSignalsSequence

    func run() async throws {
        await cancelWhenGracefulShutdown {
            for await _ in signals {
                await reloader.reload()
            }
        }
    }
}
