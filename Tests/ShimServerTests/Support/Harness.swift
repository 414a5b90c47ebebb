import AsyncHTTPClient
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOSSL
import ServiceLifecycle
import ShimCore

@testable import GatewaySimulator
@testable import ShimServer

/// A real shim (its whole service group) in front of a real simulator. Live (the
/// default): real sockets, the simulator over HTTPS with a private CA minted for this
/// test, both on loopback. In process (`inProcess: true`): the same shim and simulator
/// routes joined by HummingbirdTesting's router clients (`InProcessGateway`), no socket:
/// for the session rules, where I/O is not the point.
final class Harness: ShimRig, Sendable {
    let simulator: Simulator
    let shimPort: Int
    let metricsPort: Int?
    let logs: LogCapture
    let client: HTTPClient
    let caFile: String
    /// The config file the shim was started with (tests rewrite it, then reload).
    let configPath: String
    let runtime: ShimRuntime
    /// `https` when the shim serves TLS (`listen.tls`).
    let scheme: String
    private let shimGroup: ServiceGroup
    private let shimStopped: AsyncStream<Void>
    private let stopped = NIOLockedValueBox(false)
    /// In process: the shim's router client (requests go through it instead of `client`).
    let router: InProcessGateway.Client?

    var gateway: SimulatedGateway { simulator.gateway }
    var agents: [SimulatorOptions.Agent] { simulator.options.agents }

    init(
        simulator: Simulator, shimPort: Int, metricsPort: Int?, logs: LogCapture, client: HTTPClient, caFile: String, configPath: String,
        runtime: ShimRuntime, scheme: String, shimGroup: ServiceGroup, shimStopped: AsyncStream<Void>, router: InProcessGateway.Client? = nil
    ) {
        self.router = router
        self.scheme = scheme
        self.simulator = simulator
        self.shimPort = shimPort
        self.metricsPort = metricsPort
        self.logs = logs
        self.client = client
        self.caFile = caFile
        self.configPath = configPath
        self.runtime = runtime
        self.shimGroup = shimGroup
        self.shimStopped = shimStopped
    }

    typealias Reply = RigReply

    /// One request to the shim (or to its metrics listener with `port`). `timeout` is the
    /// test client's patience, a ceiling for a loaded machine.
    func request(
        _ method: String, _ path: String, body: String? = nil, headers: [(String, String)] = [], port: Int? = nil, timeout: Duration = .seconds(30)
    ) async throws -> Reply {
        if let router, port == nil {
            var fields = HTTPFields()
            for (name, value) in headers { fields.append(HTTPField(name: HTTPField.Name(name)!, value: value)) }
            if body != nil { fields[.contentType] = "application/json" }
            let response = try await router.client.execute(
                uri: path, method: HTTPRequest.Method(rawValue: method)!, headers: fields, body: body.map { ByteBuffer(string: $0) })
            return Reply(
                status: Int(response.status.code), headers: response.headers.map { ($0.name.rawName, $0.value) }, body: String(buffer: response.body))
        }
        return try await send(
            method, "\(port == nil ? scheme : "http")://127.0.0.1:\(port ?? shimPort)\(path)", body: body, headers: headers, timeout: timeout)
    }

    func resetSkill(_ agent: String = "1001", _ body: String = #"{"skills":[1,2]}"#, headers: [(String, String)] = []) async throws -> Reply {
        try await request("POST", "/v1/agents/\(agent)/reset-skill", body: body, headers: headers)
    }

    /// The simulator's journal entries for one operation.
    func journal(_ operation: String) async -> [JournalEntry] {
        await gateway.entries().filter { $0.operation == operation }
    }

    /// Starts a graceful stop (as SIGTERM does) without waiting for it.
    func beginStop() async {
        let first = stopped.withLockedValue { stopped in
            defer { stopped = true }
            return !stopped
        }
        if first { await shimGroup.triggerGracefulShutdown() }
    }

    /// Gracefully stops the shim (as SIGTERM would) and waits until it has stopped.
    func stopShim() async {
        let first = stopped.withLockedValue { stopped in
            defer { stopped = true }
            return !stopped
        }
        if first { await shimGroup.triggerGracefulShutdown() }
        for await _ in shimStopped { break }
    }
}

/// Agents the simulator knows by default; the shim config names 1001–1003.
let testAgents: [SimulatorOptions.Agent] = [
    .init(id: "1001", password: "pw-1001-Secret!", phone: "70001", skills: [1, 2, 3, 7]),
    .init(id: "1002", password: "pw-1002-Secret!", phone: "70002", skills: [1, 2, 3, 7]),
    .init(id: "1003", password: "pw-1003-Secret!", phone: "70003", skills: [4, 5]),
]

/// Fast timers for tests: short poll hold, no rotation unless a test asks.
func testSimulatorOptions(_ mode: SimulatorOptions.AuthMode = .dynamic) -> SimulatorOptions {
    var options = SimulatorOptions(agents: testAgents)
    options.authMode = mode
    options.pollHold = .milliseconds(300)
    return options
}

/// The shim config used by default; `extra` edits are plain text substitutions.
func testShimYAML(
    gatewayURL: String, caFile: String, authMode: String = "dynamic", forceLogin: Bool = false,
    requestTimeout: String = "5s", signInAtStartup: Bool = false, agents: String? = nil,
    pollInterval: String = "50ms"
) -> String {
    """
    listen: {host: 127.0.0.1, port: 0}
    gateway:
      url: \(gatewayURL)
      authMode: \(authMode)
      caFile: \(caFile)
      connectTimeout: 5s
      requestTimeout: \(requestTimeout)
      pollTimeout: 3s
    sessions:
      forceLogin: \(forceLogin)
      signInAtStartup: \(signInAtStartup)
      pollInterval: \(pollInterval)
    agents:
    \(agents ?? """
      - {id: "1001", phone: "70001", password: "pw-1001-Secret!"}
      - {id: "1002", phone: "70002", password: "pw-1002-Secret!"}
      - {id: "1003", phone: "70003", password: "pw-1003-Secret!"}
    """)
    logging: {level: trace, format: json}
    """
}

/// Runs `body` against a fresh simulator and shim; stops both afterwards.
/// `yaml` builds the shim config from the simulator's URL and CA file.
func withHarness(
    inProcess: Bool = false,
    simulator options: SimulatorOptions = testSimulatorOptions(),
    certificateHosts: [String] = ["localhost", "127.0.0.1", "::1"],
    requireClientCertificate: Bool = false,
    clientCertificate: Bool = false,
    inboundTLS: Bool = false,
    environment: [String: String] = [:],
    yaml baseYAML: @escaping @Sendable (_ gatewayURL: String, _ caFile: String) -> String = { testShimYAML(gatewayURL: $0, caFile: $1) },
    tune: @escaping @Sendable (inout ShimRuntime.Options) -> Void = { _ in },
    _ body: (Harness) async throws -> Void
) async throws {
    let quiet = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })
    let (simPorts, simPortContinuation) = AsyncStream.makeStream(of: Int.self)
    let simulator = try Simulator(
        options: options, certificateHosts: certificateHosts, requireClientCertificate: requireClientCertificate, logger: quiet,
        onServerRunning: { simPortContinuation.yield($0) })
    let simGroup = ServiceGroup(services: [simulator], logger: quiet)
    let ca = simulator.certificateAuthority!
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ccgw-test-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    func write(_ name: String, _ text: String) throws -> String {
        let path = directory.appendingPathComponent(name).path
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }
    let caFile = try write("ca.pem", ca.caCertificatePEM)
    var gatewayExtras = ""
    if clientCertificate {
        let client = try ca.issueClientCertificate()
        gatewayExtras =
            "\n  clientCertFile: \(try write("client.pem", client.certificatePEM))\n  clientKeyFile: \(try write("client.key", client.keyPEM))"
    }
    var listenTLS = ""
    if inboundTLS {
        let server = try ca.issueServerCertificate(hosts: ["127.0.0.1", "localhost"])
        listenTLS = ", tls: {certFile: \(try write("shim.pem", server.certificatePEM)), keyFile: \(try write("shim.key", server.keyPEM))}"
    }
    let yaml: @Sendable (String, String) -> String = { [gatewayExtras, listenTLS] url, caFile in
        baseYAML(url, caFile)
            .replacingOccurrences(of: "  caFile: \(caFile)", with: "  caFile: \(caFile)\(gatewayExtras)")
            .replacingOccurrences(of: "listen: {host: 127.0.0.1, port: 0}", with: "listen: {host: 127.0.0.1, port: 0\(listenTLS)}")
    }
    // Enough connections that 500 concurrent requests really reach the shim at once.
    var clientConfiguration = HTTPClient.Configuration()
    if inboundTLS {
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.trustRoots = .certificates([try NIOSSLCertificate(bytes: Array(ca.caCertificatePEM.utf8), format: .pem)])
        clientConfiguration.tlsConfiguration = tls
    }
    clientConfiguration.connectionPool = .init(idleTimeout: .seconds(30), concurrentHTTP1ConnectionsPerHostSoftLimit: 600)
    let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: clientConfiguration)
    do {
        if inProcess {
            try await runInProcess(simulator: simulator, caFile: caFile, client: client, environment: environment, yaml: yaml, body)
            try await client.shutdown()
            return
        }
        try await run(
            simulator: simulator, simGroup: simGroup, simPorts: simPorts, caFile: caFile, client: client, environment: environment, yaml: yaml,
            tune: tune, body)
    } catch {
        try? await client.shutdown()
        throw error
    }
    try await client.shutdown()
}

private func run(
    simulator: Simulator, simGroup: ServiceGroup, simPorts: AsyncStream<Int>, caFile: String, client: HTTPClient,
    environment: [String: String], yaml: @escaping @Sendable (String, String) -> String,
    tune: @escaping @Sendable (inout ShimRuntime.Options) -> Void, _ body: (Harness) async throws -> Void
) async throws {
    let quiet = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })
    try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask { try await simGroup.run() }
        var portIterator = simPorts.makeAsyncIterator()
        let gatewayPort = await portIterator.next()!
        let logs = LogCapture()
        do {
            let configPath = FileManager.default.temporaryDirectory.appendingPathComponent("ccgw-test-\(UUID().uuidString).yaml").path
            try Data(yaml("https://127.0.0.1:\(gatewayPort)", caFile).utf8).write(to: URL(fileURLWithPath: configPath))
            defer { try? FileManager.default.removeItem(atPath: configPath) }
            let loaded = try ConfigLoader().load(path: configPath)
            let levelControl = LogLevelControl(.trace)
            let logger = makeLogger(loaded.config.logging, levelControl: levelControl, write: { logs.append($0) })
            let (shimPorts, shimPortContinuation) = AsyncStream.makeStream(of: Int.self)
            var runtimeOptions = ShimRuntime.Options(configPath: configPath)
            runtimeOptions.environment = environment
            runtimeOptions.statusInterval = .milliseconds(100)
            runtimeOptions.onServerRunning = { shimPortContinuation.yield($0) }
            let (metricsPorts, metricsPortContinuation) = AsyncStream.makeStream(of: Int.self)
            runtimeOptions.onMetricsServerRunning = { metricsPortContinuation.yield($0) }
            tune(&runtimeOptions)
            let runtime = try ShimRuntime(loaded: loaded, logger: logger, levelControl: levelControl, options: runtimeOptions)
            let shimGroup = ServiceGroup(services: [runtime], logger: quiet)
            let (stopped, stoppedContinuation) = AsyncStream.makeStream(of: Void.self)
            group.addTask {
                defer { stoppedContinuation.finish() }
                try await shimGroup.run()
            }
            var shimIterator = shimPorts.makeAsyncIterator()
            let shimPort = await shimIterator.next()!
            var metricsPort: Int?
            if loaded.config.metrics.listen != nil {
                var metricsIterator = metricsPorts.makeAsyncIterator()
                metricsPort = await metricsIterator.next()
            }
            let harness = Harness(
                simulator: simulator, shimPort: shimPort, metricsPort: metricsPort, logs: logs, client: client, caFile: caFile,
                configPath: configPath, runtime: runtime, scheme: loaded.config.listen.tls == nil ? "http" : "https",
                shimGroup: shimGroup, shimStopped: stopped)
            do {
                try await body(harness)
            } catch {
                await harness.stopShim()
                await simGroup.triggerGracefulShutdown()
                throw error
            }
            let shimStopStarted = ContinuousClock.now
            await harness.stopShim()
            if ProcessInfo.processInfo.environment["HARNESS_TIMING"] != nil { print("SHIMSTOP took \(ContinuousClock.now - shimStopStarted)") }
            if ProcessInfo.processInfo.environment["HARNESS_DUMP_LOGS"] != nil {
                for line in logs.all { print("LOG \(shimPort): \(line)") }
            }
        } catch {
            await simGroup.triggerGracefulShutdown()
            throw error
        }
        let stopStarted = ContinuousClock.now
        await simGroup.triggerGracefulShutdown()
        try await group.waitForAll()
        if ProcessInfo.processInfo.environment["HARNESS_TIMING"] != nil { print("SIMSTOP took \(ContinuousClock.now - stopStarted)") }
    }
}

/// The in-process harness: the simulator's routes and the shim's, each behind a router
/// client; the shim's service group (sessions, pollers, the state writer) runs as usual.
private func runInProcess(
    simulator: Simulator, caFile: String, client: HTTPClient, environment: [String: String],
    yaml: @escaping @Sendable (String, String) -> String, _ body: (Harness) async throws -> Void
) async throws {
    try await withoutActuallyEscaping(body) { body in
        try await runInProcess(simulator: simulator, caFile: caFile, client: client, environment: environment, yaml: yaml, body: Body(run: body))
    }
}

/// `test(.router)` wants a `@Sendable` body; `run` runs inside it while its caller awaits
/// it, never concurrently with that caller.
private struct Body: @unchecked Sendable { let run: (Harness) async throws -> Void }

private func runInProcess(
    simulator: Simulator, caFile: String, client: HTTPClient, environment: [String: String],
    yaml: @escaping @Sendable (String, String) -> String, body: Body
) async throws {
    let quiet = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })
    let gatewayApp = Application(router: simulator.buildRouter(), logger: quiet)
    try await gatewayApp.test(.router) { gatewayClient in
        let logs = LogCapture()
        let configPath = FileManager.default.temporaryDirectory.appendingPathComponent("ccgw-test-\(UUID().uuidString).yaml").path
        // The URL is never dialled: every call goes through the simulator's router.
        try Data(yaml("https://127.0.0.1:9", caFile).utf8).write(to: URL(fileURLWithPath: configPath))
        defer { try? FileManager.default.removeItem(atPath: configPath) }
        let loaded = try ConfigLoader().load(path: configPath)
        let levelControl = LogLevelControl(.trace)
        let logger = makeLogger(loaded.config.logging, levelControl: levelControl, write: { logs.append($0) })
        var options = ShimRuntime.Options(configPath: configPath)
        options.environment = environment
        options.statusInterval = .milliseconds(100)
        options.gatewayTransport = InProcessGateway(gatewayClient)
        options.serveAPI = false
        let runtime = try ShimRuntime(loaded: loaded, logger: logger, levelControl: levelControl, options: options)
        let shimGroup = ServiceGroup(services: [runtime], logger: quiet)
        let (stopped, stoppedContinuation) = AsyncStream.makeStream(of: Void.self)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                defer { stoppedContinuation.finish() }
                try await shimGroup.run()
            }
            let shimApp = Application(responder: runtime.api, logger: quiet)
            try await shimApp.test(.router) { shimClient in
                let harness = Harness(
                    simulator: simulator, shimPort: 0, metricsPort: nil, logs: logs, client: client, caFile: caFile, configPath: configPath,
                    runtime: runtime, scheme: "http", shimGroup: shimGroup, shimStopped: stopped, router: InProcessGateway.Client(client: shimClient))
                do {
                    try await body.run(harness)
                } catch {
                    await harness.stopShim()
                    throw error
                }
                await harness.stopShim()
            }
            try await group.waitForAll()
        }
    }
}
