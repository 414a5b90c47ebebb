import GatewayClient
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
public import Logging
import Metrics
import NIOConcurrencyHelpers
import NIOSSL
public import Prometheus
public import ServiceLifecycle
public import ShimCore
import UnixSignals

/// The whole daemon as one `Service`: the API listener, the optional metrics
/// listener, the per-agent sessions and their poll loops, readiness and drain,
/// systemd notification, and SIGHUP reload.
///
/// Its inner service group starts, in order: the gateway client, the session
/// service, the HTTP application(s), the drain gate, the status service and the
/// reload service; graceful shutdown runs in reverse, so SIGTERM first turns
/// readiness to 503 and drains, then the server stops accepting and finishes
/// in-flight requests, then agents are signed out, then the client closes.
public struct ShimRuntime: Service {
    /// Knobs for embedding (tests, the demo) that the config file does not hold.
    public struct Options: Sendable {
        /// The config file to re-read on SIGHUP/`reload()`; nil: reload is refused.
        public var configPath: String?
        /// The process environment (`NOTIFY_SOCKET`, `WATCHDOG_USEC`, `CREDENTIALS_DIRECTORY`).
        public var environment: [String: String] = [:]
        /// Trap SIGHUP and reload (the binary); tests call `reload()` instead.
        public var reloadOnSIGHUP = false
        /// The Prometheus registry `/metrics` renders; a fresh one by default.
        public var prometheus = PrometheusCollectorRegistry()
        /// Called with the bound port of the API listener.
        public var onServerRunning: @Sendable (Int) async -> Void = { _ in }
        /// Called with the bound port of the metrics listener, when there is one.
        public var onMetricsServerRunning: @Sendable (Int) async -> Void = { _ in }
        /// How often `STATUS=` and the session gauges are refreshed.
        public var statusInterval: Duration = .seconds(5)
        /// The gateway to talk to instead of HTTPS to `gateway.url`: an in-process gateway
        /// (the simulator's router in the tests). nil: the HTTPS client.
        public var gatewayTransport: (any GatewayTransport)?
        /// Serve the API on `listen` (the default). false: the embedder serves `router`
        /// itself (in process, without a socket); the API counts as ready at once.
        public var serveAPI = true
        /// Webhook retry backoff (tests shorten it).
        public var webhookRetry = RetrySchedule()

        public init(configPath: String? = nil) {
            self.configPath = configPath
        }
    }

    let services: [any Service]
    let reloader: Reloader
    /// Cluster mode (issue #11); nil: a single process.
    let cluster: ClusterGate?
    let logger: Logger
    let reloadOnSIGHUP: Bool
    let registry: SessionRegistry
    /// The HTTPS client to the gateway; nil when an in-process transport was given.
    let gateway: GatewayHTTPClient?
    /// The API's routes, built (what the listener serves).
    let api: RouterResponder<ShimRequestContext>
    /// Every agent event, for the streams and the webhooks.
    let events: EventHub

    /// Builds every part from a loaded config. Throws when the CA file cannot be used.
    public init(loaded: ConfigLoader.Loaded, logger: Logger, levelControl: LogLevelControl, options: Options = Options()) throws(ConfigError) {
        let config = loaded.config
        self.logger = logger
        let notifier = SystemdNotifier(environment: options.environment)
        let metrics = ShimMetrics(factory: PrometheusMetricsFactory(registry: options.prometheus), agentLabel: config.metrics.agentLabel)
        let client = options.gatewayTransport == nil ? try GatewayHTTPClient(gateway: config.gateway, agents: config.agents.count) : nil
        guard let gateway: any GatewayTransport = options.gatewayTransport ?? client else { preconditionFailure("a gateway transport") }
        let settings = SessionSettings(config: config)
        let pollers = PollerLauncher()
        let state = StateStore.open(config: config, now: SessionClock.nowMilliseconds(), metrics: metrics, logger: logger)
        let store = state.store
        // The cluster drives the sessions through the registry (`AgentControl`); the sessions
        // ask the cluster before every sign-in (`SignInGuard`). A single process has neither.
        var webhooks: [WebhookSender] = []
        for webhook in config.events.webhooks {
            guard let secret = loaded.webhookSecrets[webhook.name].flatMap(WebhookSignature.init(secret:)) else { continue }
            webhooks.append(
                try WebhookSender(config: webhook, secret: secret, metrics: metrics, logger: logger, schedule: options.webhookRetry))
        }
        metrics.eventSeries()
        let events = EventHub(settings: config.events, webhooks: webhooks, metrics: metrics, logger: logger)
        self.events = events
        let registry = SessionRegistry([])
        let cluster = try Self.clusterMember(loaded: loaded, control: registry, events: events, metrics: metrics, logger: logger)
        let makeSession: @Sendable (ShimConfig.Agent, String) -> AgentSession = { agent, password in
            AgentSession(
                agent: agent, password: password, gateway: gateway, settings: settings, pollers: pollers, metrics: metrics,
                logger: logger, store: store, signInGuard: cluster.map { ClusterSignInGuard(member: $0.member) }, owned: cluster == nil,
                events: events)
        }
        for agent in config.agents { registry.add(makeSession(agent, loaded.passwords[agent.id] ?? "")) }
        self.cluster = cluster
        let readiness = Readiness()
        let drainSignal = DrainSignal()
        let shutdownSettings = NIOLockedValueBox(config.shutdown)
        let endpoint = MetricsEndpoint(registry: options.prometheus, sessions: registry, metrics: metrics)
        let apiPort = NIOLockedValueBox<Int?>(nil)

        for warning in loaded.warnings { logger.warning("\(warning)") }
        let router = buildRouter(
            registry: registry, requestTimeout: config.gateway.requestTimeout, readiness: readiness, drainSignal: drainSignal,
            metrics: metrics, metricsEndpoint: config.metrics.listen == nil ? endpoint : nil,
            authenticator: CallerAuthenticator(clients: config.clients, tokens: loaded.tokens), limits: config.limits,
            warnings: loaded.warnings.filter { $0.hasPrefix("gateway.insecureSkipVerify") },
            owners: cluster.map { ClusterDispatch(gate: $0) } ?? LocalDispatch(), peers: cluster ?? NoPeers(),
            clusterStatus: { [member = cluster?.member] in if let member { await ClusterStatus.json(of: member) } else { ClusterRoutes.single } },
            bulk: config.bulk, events: events)
        let onServerRunning = options.onServerRunning
        let listenHost = config.listen.host
        let api = router.buildResponder()
        let app = Application(
            responder: api,
            server: try Self.serverBuilder(tls: config.listen.tls),
            configuration: .init(address: .hostname(config.listen.host, port: config.listen.port), serverName: nil),
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? 0
                apiPort.withLockedValue { $0 = port }
                readiness.listenerBound()
                // READY=1 only now: the config is loaded and the listener is bound.
                let summary = await SessionSummary.of(registry)
                notifier.notify("READY=1\nSTATUS=\(summary.statusLine)")
                logger.info("ready", metadata: ["listen.address": "\(listenHost):\(port)"])
                await onServerRunning(port)
            },
            logger: logger
        )
        // First in, last out: the webhooks get the events of the sessions' close.
        var services: [any Service] = [EventService(hub: events, webhooks: webhooks, feeds: cluster?.feeds, sweepInterval: .seconds(30))]
        if let client { services.append(GatewayClientService(client: client)) }
        services.append(
            SessionService(
                registry: registry, pollers: pollers, signInAtStartup: config.sessions.signInAtStartup,
                signInConcurrency: config.sessions.signInConcurrency,
                signOutOnShutdown: config.sessions.signOutOnShutdown, logger: logger, metrics: metrics, store: store,
                saved: state.sessions, goneAtStart: state.gone, resumeWait: config.gateway.unpolledSignOut,
                membership: cluster ?? SoloMembership()))
        if let metricsListen = config.metrics.listen {
            let onMetrics = options.onMetricsServerRunning
            let metricsApp = Application(
                router: buildMetricsRouter(endpoint, readiness: readiness),
                configuration: .init(address: .hostname(metricsListen.host, port: metricsListen.port), serverName: nil),
                onServerRunning: { await onMetrics($0.localAddress?.port ?? 0) },
                logger: logger)
            services.append(Listener(server: metricsApp, key: "metrics.listen", host: metricsListen.host, port: metricsListen.port))
        }
        if options.serveAPI {
            services.append(Listener(server: app, key: "listen", host: config.listen.host, port: config.listen.port))
        } else {
            readiness.listenerBound()
        }
        services.append(
            DrainGate(
                readiness: readiness, drainSignal: drainSignal, notifier: notifier, shutdownSettings: shutdownSettings, logger: logger,
                // Callers' event streams end at SIGTERM (`ccgw.stream.closed`); the other members'
                // feeds relay what this member polls during the drain delay, then end. None holds the stop.
                onDrain: { events.closeToCallers() }, onDrained: { events.close() }))
        let probeHost = ["0.0.0.0", "::", "*"].contains(listenHost) ? "127.0.0.1" : listenHost
        services.append(
            StatusService(
                registry: registry, metrics: metrics, notifier: notifier,
                watchdogInterval: SystemdNotifier.watchdogInterval(environment: options.environment),
                probeURL: {
                    apiPort.withLockedValue { $0 }.map { "http://\(probeHost.contains(":") ? "[\(probeHost)]" : probeHost):\($0)/healthz" }
                },
                logger: logger, statusInterval: options.statusInterval))
        var loader = ConfigLoader()
        loader.secrets.environment = { [environment = options.environment] in environment[$0] }
        let reloader = Reloader(
            configPath: options.configPath, loader: loader, running: config, registry: registry, makeSession: makeSession,
            levelControl: levelControl, notifier: notifier, apply: { new in shutdownSettings.withLockedValue { $0 = new.shutdown } },
            logger: logger, agentsChanged: { [member = cluster?.member] agents in await member?.setAgents(agents) })
        self.reloadOnSIGHUP = options.reloadOnSIGHUP
        self.services = services
        self.reloader = reloader
        self.registry = registry
        self.gateway = client
        self.api = api
    }

    /// Plain HTTP/1.1, or HTTPS with `listen.tls`.
    static func serverBuilder(tls files: ShimConfig.TLSFiles?) throws(ConfigError) -> HTTPServerBuilder {
        guard let files else { return .http1() }
        let chain = try PEMFile.certificates(files.certFile, key: "listen.tls.certFile")
        let key = try PEMFile.privateKey(files.keyFile, key: "listen.tls.keyFile")
        var tls = TLSConfiguration.makeServerConfiguration(certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key))
        tls.minimumTLSVersion = .tlsv12
        do {
            return try .tls(.http1(), tlsConfiguration: tls)
        } catch {
            throw ConfigError(key: "listen.tls", line: nil, problem: "the certificate and key cannot be used together")
        }
    }

    /// Cluster mode: joins the cluster (a lease and the member key) before anything is
    /// served. Throws, with one line naming `cluster.memberId`, when another live member
    /// already uses this member's id; an unreachable etcd is not an error (the member
    /// starts, serves nothing it does not hold, and keeps trying).
    public func join() async throws {
        guard let cluster else { return }
        do {
            try await cluster.member.join()
        } catch {
            await closeClients()
            throw error
        }
    }

    /// Closes the HTTP clients when the runtime will not run (a refused join).
    func closeClients() async {
        try? await gateway?.shutdown()
        if let cluster {
            await cluster.member.shutdownClient()
            await cluster.forwarder.shutdown()
        }
    }

    public func run() async throws {
        if let cluster {
            // The other members' events follow the member list.
            await cluster.member.observeMembers { [feeds = cluster.feeds] members in await feeds.reconcile(members) }
        }
        try await join()
        var services = self.services
        if reloadOnSIGHUP {
            // Trap SIGHUP before any service starts, so before the listener is bound and READY=1 is sent.
            services.append(ReloadService(reloader: reloader, signals: await UnixSignalsSequence(trapping: .sighup)))
        }
        let group = ServiceGroup(configuration: .init(services: services, logger: logger))
        try await group.run()
    }

    /// Re-reads the config file and applies what can change at run time (as SIGHUP does).
    @discardableResult
    public func reload() async -> Bool {
        await reloader.reload().applied
    }

    /// The cluster member, its forwarder and the peer check, when the config has `cluster:`.
    static func clusterMember(
        loaded: ConfigLoader.Loaded, control: any AgentControl, events: EventHub, metrics: ShimMetrics, logger: Logger
    ) throws(ConfigError) -> ClusterGate? {
        let config = loaded.config
        guard let settings = config.cluster else { return nil }
        var etcdTLS: TLSConfiguration?
        if settings.etcd.endpoints.contains(where: { $0.hasPrefix("https://") }) {
            var tls = TLSConfiguration.makeClientConfiguration()
            if let caFile = settings.etcd.caFile {
                tls.trustRoots = .certificates(try PEMFile.certificates(caFile, key: "cluster.etcd.caFile"))
            }
            if let certFile = settings.etcd.certFile, let keyFile = settings.etcd.keyFile {
                tls.certificateChain = try PEMFile.certificates(certFile, key: "cluster.etcd.certFile").map { .certificate($0) }
                tls.privateKey = .privateKey(try PEMFile.privateKey(keyFile, key: "cluster.etcd.keyFile"))
            }
            etcdTLS = tls
        }
        var peerTLS: TLSConfiguration?
        if settings.advertiseURL.hasPrefix("https://") {
            var tls = TLSConfiguration.makeClientConfiguration()
            // Members serve the same kind of certificate: trust what signs our own.
            if let files = config.listen.tls, let chain = try? PEMFile.certificates(files.certFile, key: "listen.tls.certFile"), chain.count > 1 {
                tls.trustRoots = .certificates(Array(chain.dropFirst()))
            }
            peerTLS = tls
        }
        let member = ClusterMember(
            settings: settings, agents: config.agents.map(\.id), signInAtStartup: config.sessions.signInAtStartup,
            stateDirectory: config.state.directory, tls: etcdTLS, control: control, metrics: metrics, logger: logger)
        let forwarder = PeerForwarder(memberID: settings.memberID, peerToken: loaded.peerToken ?? "", tls: peerTLS)
        let feeds = PeerEventFeeds(hub: events, memberID: settings.memberID, peerToken: loaded.peerToken ?? "", tls: peerTLS, logger: logger)
        return ClusterGate(
            member: member, forwarder: forwarder, feeds: feeds, peerToken: loaded.peerToken ?? "", requestTimeout: config.gateway.requestTimeout)
    }
}
