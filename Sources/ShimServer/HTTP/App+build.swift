import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import ShimCore

/// Every (method, path) the API listener serves; docs/openapi.yaml documents exactly these.
let apiRoutes: [(method: HTTPRequest.Method, path: String)] = [
    (.get, HealthRoutes.livenessPath), (.get, HealthRoutes.readinessPath), (.get, "/openapi.yaml"),
    (.get, "/v1/agents"), (.get, "/v1/agents/{agentId}"), (.get, "/v1/agents/{agentId}/skills"), (.post, "/v1/agents/{agentId}/reset-skill"),
    (.post, "/v1/reset-skill"), (.get, "/v1/agents/{agentId}/events"), (.get, "/v1/events"),
    (.get, "/v1/cluster/events"),
    (.post, "/agentgateway/resource/onlineagent/{agentId}/resetskill/{autoflag}"), (.get, "/v1/cluster"),
]

/// The routes of the shim's API listener.
func buildRouter(
    registry: SessionRegistry, requestTimeout: Duration, readiness: Readiness, drainSignal: DrainSignal,
    metrics: ShimMetrics, metricsEndpoint: MetricsEndpoint?, authenticator: CallerAuthenticator, limits: ShimConfig.Limits,
    warnings: [String] = [], owners: any OwnerDispatch = LocalDispatch(), peers: any PeerVerifier = NoPeers(),
    clusterStatus: @escaping @Sendable () async -> JSONValue = { ClusterRoutes.single }, bulk: ShimConfig.Bulk = .init(),
    events: EventHub? = nil
) -> Router<ShimRequestContext> {
    let router = Router(context: ShimRequestContext.self)
    var known = apiRoutes
    if metricsEndpoint != nil { known.append((.get, HealthRoutes.metricsPath)) }
    router.add(middleware: MetricsMiddleware(metrics: metrics))  // outermost: sees the final status
    router.add(middleware: RequestIDMiddleware())  // sets X-Request-Id on every answer, errors included
    router.add(middleware: ErrorMiddleware(routes: RouteTable(known)))  // turns every error into the JSON answer
    router.add(middleware: InFlightLimitMiddleware(limit: limits.maxInFlight, counter: InFlightCounter()))
    let resetSkill = ResetSkillRoutes(registry: registry, requestTimeout: requestTimeout, drainSignal: drainSignal, owners: owners)
    let agents = AgentRoutes(registry: registry, warnings: warnings, owners: owners)
    let clusterRoutes = ClusterRoutes(status: clusterStatus)
    let health = HealthRoutes(readiness: readiness)
    router.get(RouterPath(HealthRoutes.livenessPath), use: health.live)
    router.get(RouterPath(HealthRoutes.readinessPath), use: health.ready)
    router.get("/openapi.yaml") { _, _ in
        Response(status: .ok, headers: [.contentType: "application/yaml"], body: .init(byteBuffer: ByteBuffer(string: OpenAPIDocument.yaml)))
    }
    // Every route that acts on or shows agents: the caller is authenticated once, here.
    let authenticated = router.group().add(middleware: AuthMiddleware(authenticator: authenticator, peers: peers))
    authenticated.get("/v1/agents", use: agents.list)
    authenticated.get("/v1/agents/:agentId", use: agents.get)
    authenticated.get("/v1/cluster", use: clusterRoutes.get)
    authenticated.post("/v1/agents/:agentId/reset-skill", use: resetSkill.resetSkill)
    authenticated.get("/v1/agents/:agentId/skills", use: agents.skills)
    authenticated.post("/v1/reset-skill", use: BulkResetRoutes(resets: resetSkill, settings: bulk).reset)
    authenticated.post("/agentgateway/resource/onlineagent/:agentId/resetskill/:autoflag", use: resetSkill.compatResetSkill)
    let eventRoutes = EventRoutes(
        hub: events ?? EventHub(settings: .init(), metrics: metrics, logger: .init(label: "ccgw-shim.events")), registry: registry, metrics: metrics)
    authenticated.get("/v1/agents/:agentId/events", use: eventRoutes.agentEvents)
    authenticated.get("/v1/events", use: eventRoutes.allEvents)
    authenticated.get("/v1/cluster/events", use: eventRoutes.clusterEvents)
    if let metricsEndpoint { router.get(RouterPath(HealthRoutes.metricsPath), use: metricsEndpoint.serve) }
    return router
}

/// The routes of the separate operations listener (`metrics.listen`): `/metrics`
/// plus `/healthz` and `/readyz`, so probes and scrapes can reach the pod or host
/// address while the API itself stays on loopback.
func buildMetricsRouter(_ endpoint: MetricsEndpoint, readiness: Readiness) -> Router<ShimRequestContext> {
    let router = Router(context: ShimRequestContext.self)
    router.add(middleware: RequestIDMiddleware())
    router.add(
        middleware: ErrorMiddleware(
            routes: RouteTable([(.get, HealthRoutes.metricsPath), (.get, HealthRoutes.livenessPath), (.get, HealthRoutes.readinessPath)])))
    let health = HealthRoutes(readiness: readiness)
    router.get(RouterPath(HealthRoutes.metricsPath), use: endpoint.serve)
    router.get(RouterPath(HealthRoutes.livenessPath), use: health.live)
    router.get(RouterPath(HealthRoutes.readinessPath), use: health.ready)
    return router
}
