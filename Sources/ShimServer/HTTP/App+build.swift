import GatewayClient
import HTTPTypes
public import Hummingbird
public import Logging
import NIOCore
public import ShimCore
import ServiceLifecycle

/// Builds the shim: the gateway client, one session per agent, the session
/// service and the HTTP routes, wired into one Hummingbird application whose
/// service group starts them in order and stops them in reverse.
///
/// - Parameter onServerRunning: called with the bound port once the listener is up.
public func buildApplication(
    loaded: ConfigLoader.Loaded,
    logger: Logger,
    onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
) throws(ConfigError) -> some ApplicationProtocol {
    let config = loaded.config
    let gateway = try GatewayHTTPClient(gateway: config.gateway, maxConnections: max(16, config.agents.count * 2 + 8))
    let settings = SessionSettings(config: config)
    let pollers = PollerLauncher()
    let sessions = config.agents.map { agent in
        AgentSession(
            agent: agent, password: loaded.passwords[agent.id] ?? "", gateway: gateway, settings: settings,
            pollers: pollers, logger: logger)
    }
    let registry = SessionRegistry(sessions)
    let router = buildRouter(registry: registry, requestTimeout: config.gateway.requestTimeout)
    let sessionService = SessionService(
        registry: registry, pollers: pollers, signInAtStartup: config.sessions.signInAtStartup,
        signOutOnShutdown: config.sessions.signOutOnShutdown, logger: logger)
    return Application(
        router: router,
        configuration: .init(address: .hostname(config.listen.host, port: config.listen.port), serverName: nil),
        // Reverse order at shutdown: server drains, then sessions sign out, then the client closes.
        services: [GatewayClientService(client: gateway), sessionService],
        onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? 0) },
        logger: logger
    )
}

/// The routes of the shim.
func buildRouter(registry: SessionRegistry, requestTimeout: Duration) -> Router<ShimRequestContext> {
    let router = Router(context: ShimRequestContext.self)
    router.add(middleware: RequestIDMiddleware())
    let resetSkill = ResetSkillRoutes(registry: registry, requestTimeout: requestTimeout)
    let agents = AgentRoutes(registry: registry)
    router.get("/healthz", use: agents.health)
    router.get("/v1/agents", use: agents.list)
    router.get("/v1/agents/:agentId", use: agents.get)
    router.post("/v1/agents/:agentId/reset-skill", use: resetSkill.resetSkill)
    router.post("/agentgateway/resource/onlineagent/:agentId/resetskill/:autoflag", use: resetSkill.compatResetSkill)
    // Hummingbird answers 404 for a known path with the wrong method; say 405 and what is allowed.
    refuseOtherMethods(router, "/healthz", allow: .get)
    refuseOtherMethods(router, "/v1/agents", allow: .get)
    refuseOtherMethods(router, "/v1/agents/:agentId", allow: .get)
    refuseOtherMethods(router, "/v1/agents/:agentId/reset-skill", allow: .post)
    refuseOtherMethods(router, "/agentgateway/resource/onlineagent/:agentId/resetskill/:autoflag", allow: .post)
    return router
}

/// Registers 405 answers with an `Allow` header for the methods a path does not serve.
private func refuseOtherMethods(_ router: Router<ShimRequestContext>, _ path: RouterPath, allow: HTTPRequest.Method) {
    for method in [HTTPRequest.Method.get, .post, .put, .delete, .patch] where method != allow {
        router.on(path, method: method) { _, _ -> Response in
            var error = APIError(.methodNotAllowed, "method_not_allowed", "\(path) accepts \(allow.rawValue) only")
            error.headers[.allow] = allow.rawValue
            throw error
        }
    }
}

/// Makes the shim's logger: one line per event, JSON or text, at the configured level.
public func makeLogger(_ settings: ShimConfig.LogSettings, label: String = "ccgw-shim") -> Logger {
    var logger = Logger(label: label) { label in
        LineLogHandler(label: label, format: settings.format, level: settings.level.loggerLevel)
    }
    logger.logLevel = settings.level.loggerLevel
    return logger
}

/// Makes a logger that hands formatted lines to `write` (tests, embedding).
public func makeLogger(_ settings: ShimConfig.LogSettings, label: String = "ccgw-shim", write: @escaping @Sendable (String) -> Void) -> Logger {
    let sink = LogSink(write)
    var logger = Logger(label: label) { label in
        LineLogHandler(label: label, format: settings.format, level: settings.level.loggerLevel, sink: sink)
    }
    logger.logLevel = settings.level.loggerLevel
    return logger
}
