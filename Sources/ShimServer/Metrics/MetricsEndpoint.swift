import Hummingbird
import Prometheus

/// `GET /metrics`: the Prometheus text format of the shim's registry, with the
/// session gauges refreshed just before rendering.
struct MetricsEndpoint: Sendable {
    let registry: PrometheusCollectorRegistry
    let sessions: SessionRegistry
    let metrics: ShimMetrics

    func serve(_ request: Request, context: ShimRequestContext) async throws -> Response {
        let summary = await SessionSummary.of(sessions)
        metrics.sessions(summary)
        var buffer: [UInt8] = []
        registry.emit(into: &buffer)
        return Response(
            status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(bytes: MetricHelp.annotate(buffer))))
    }
}
