import ServiceLifecycle
import UnixSignals

/// Turns SIGHUP into a reload. The binary sets SIGHUP to "ignore" before
/// anything else, so a SIGHUP can never stop the process (the failure of units
/// whose `ExecReload=` kills the service), even before this service runs.
struct ReloadService: Service {
    let reloader: Reloader

    func run() async throws {
        let signals = await UnixSignalsSequence(trapping: .sighup)
        await cancelWhenGracefulShutdown {
            for await _ in signals {
                await reloader.reload()
            }
        }
    }
}
