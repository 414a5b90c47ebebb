import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import Metrics
import Prometheus
import ShimCore

@testable import ShimServer

/// The shim's router and sessions in front of a `FakeGateway`, without sockets:
/// for the session rules and the HTTP edge (`app.test(.router)`). Poll loops run
/// while the test body does.
struct FakeShim: @unchecked Sendable {  // the router is built once and only handed to `Application`
    let gateway: FakeGateway
    let registry: SessionRegistry
    let router: Router<ShimRequestContext>
    let pollers: PollerLauncher
    let logs: LogCapture
    /// The shim's logger (JSON lines into `logs`); requests log through it too.
    let logger: Logger

    /// `extraYAML` is appended to a config with agents 1001–1003.
    /// `signInGuard`: what the sessions ask before a sign-in (a cluster's guard, scripted);
    /// nil: a single process's. `requestTimeout` leaves the bounded retries (at most about
    /// 1 s of backoff) room on a loaded machine: they stop early when the next would not fit.
    init(
        forceLogin: Bool = false, keepSignedIn: Bool = false, requestTimeout: String = "6s", pollInterval: String = "20ms", extraYAML: String = "",
        signInGuard: (any SignInGuard)? = nil
    ) throws {
        let yaml = """
            listen: {host: 127.0.0.1, port: 0}
            gateway: {url: "https://gateway.test:8043", authMode: dynamic, requestTimeout: \(requestTimeout)}
            sessions: {forceLogin: \(forceLogin), keepSignedIn: \(keepSignedIn), pollInterval: \(pollInterval)}
            agents:
              - {id: "1001", phone: "70001", password: pw-1001}
              - {id: "1002", phone: "70002", password: pw-1002}
              - {id: "1003", phone: "70003", password: pw-1003}
            """ + extraYAML
        let loaded = try ConfigLoader().load(yaml: yaml)
        let config = loaded.config
        let gateway = FakeGateway()
        let logs = LogCapture()
        let logger = makeLogger(config.logging, levelControl: LogLevelControl(.trace), write: { logs.append($0) })
        let metrics = ShimMetrics(factory: PrometheusMetricsFactory(registry: PrometheusCollectorRegistry()))
        let settings = SessionSettings(config: config)
        let pollers = PollerLauncher()
        let registry = SessionRegistry(
            config.agents.map {
                AgentSession(
                    agent: $0, password: loaded.passwords[$0.id] ?? "", gateway: gateway, settings: settings, pollers: pollers, metrics: metrics,
                    logger: logger, signInGuard: signInGuard)
            })
        self.gateway = gateway
        self.registry = registry
        self.pollers = pollers
        self.logs = logs
        self.logger = logger
        self.router = buildRouter(
            registry: registry, requestTimeout: config.gateway.requestTimeout, readiness: Readiness(), drainSignal: DrainSignal(),
            metrics: metrics, metricsEndpoint: nil, authenticator: CallerAuthenticator(clients: config.clients, tokens: loaded.tokens),
            limits: config.limits)
    }

    /// Runs `body` against the router, with the agents' poll loops running meanwhile.
    func test(_ body: @escaping @Sendable (any TestClientProtocol) async throws -> Void) async throws {
        let app = Application(router: router, logger: logger)
        let pollers = self.pollers
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                await withDiscardingTaskGroup { loops in
                    for await request in pollers.requests {
                        loops.addTask { await request.run() }
                    }
                }
            }
            defer { group.cancelAll() }
            try await app.test(.router) { client in try await body(client) }
        }
    }
}

extension TestResponse {
    /// The body as JSON.
    var json: JSONValue? { try? JSONParser.parse(body.readableBytesView) }
    var errorCode: String? { json?["error"]?["code"]?.stringValue }
    var errorRetcode: JSONValue? { json?["error"]?["retcode"] }
    var text: String { String(buffer: body) }
    func header(_ name: String) -> String? { headers[HTTPField.Name(name)!] }
}

extension TestClientProtocol {
    /// One request; `headers` as name/value pairs.
    func request(_ method: HTTPRequest.Method, _ path: String, body: String? = nil, headers: [(String, String)] = []) async throws -> TestResponse {
        var fields = HTTPFields()
        for (name, value) in headers { fields.append(HTTPField(name: HTTPField.Name(name)!, value: value)) }
        if body != nil { fields[.contentType] = "application/json" }
        return try await execute(uri: path, method: method, headers: fields, body: body.map { ByteBuffer(string: $0) })
    }

    /// `POST /v1/agents/{agent}/reset-skill`.
    func resetSkill(_ agent: String = "1001", _ body: String = #"{"skills":[1,2]}"#, headers: HTTPFields = [:]) async throws -> TestResponse {
        var headers = headers
        headers[.contentType] = "application/json"
        return try await execute(uri: "/v1/agents/\(agent)/reset-skill", method: .post, headers: headers, body: ByteBuffer(string: body))
    }
}
