import Logging
import NIOConcurrencyHelpers
import ServiceLifecycle
import ShimCore

/// The first thing SIGTERM reaches. It turns readiness to 503 at once, tells
/// systemd `STOPPING=1`, keeps the shim serving for `shutdown.drainDelay` (so
/// load balancers and Kubernetes stop sending), then lets the HTTP server stop
/// accepting and finish in-flight requests. If those are still running
/// `shutdown.timeout` later, `DrainSignal` makes them answer 503.
struct DrainGate: Service {
    let readiness: Readiness
    let drainSignal: DrainSignal
    let notifier: SystemdNotifier
    let shutdownSettings: NIOLockedValueBox<ShimConfig.Shutdown>
    let logger: Logger
    /// Runs at SIGTERM, before the drain delay (callers' event streams end here).
    var onDrain: @Sendable () -> Void = {}
    /// Runs when the drain delay is over, before the server stops accepting (the other
    /// members' event feeds end here: an open stream would hold the server's stop).
    var onDrained: @Sendable () -> Void = {}

    func run() async throws {
        try? await gracefulShutdown()
        readiness.startDraining()
        onDrain()
        notifier.notify("STOPPING=1\nSTATUS=draining")
        let settings = shutdownSettings.withLockedValue { $0 }
        logger.info(
            "shutting down: readiness is 503, draining",
            metadata: [
                "shutdown.drain_delay": "\(DurationText.format(settings.drainDelay))", "shutdown.timeout": "\(DurationText.format(settings.timeout))",
            ])
        try? await Task.sleep(for: settings.drainDelay)
        onDrained()
        // From here the server stops accepting; in-flight requests get `timeout` to finish.
        let fire = drainSignal
        Task {
            try? await Task.sleep(for: settings.timeout)
            fire.fire()
        }
    }
}
