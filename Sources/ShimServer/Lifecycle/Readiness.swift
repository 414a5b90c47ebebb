import NIOConcurrencyHelpers

/// What `/readyz` reports: ready once the config is loaded and the listener is
/// bound, not ready from the moment shutdown begins. It never depends on the
/// gateway: gateway trouble shows in `/v1/agents` and the metrics, so a gateway
/// outage cannot take a whole fleet of sidecars out of service.
final class Readiness: Sendable {
    private struct State {
        var listenerBound = false
        var draining = false
    }

    private let state = NIOLockedValueBox(State())

    func listenerBound() { state.withLockedValue { $0.listenerBound = true } }
    func startDraining() { state.withLockedValue { $0.draining = true } }

    var isReady: Bool { state.withLockedValue { $0.listenerBound && !$0.draining } }
    var isDraining: Bool { state.withLockedValue { $0.draining } }
}
