import AsyncHTTPClient
import Foundation
import GatewaySimulator
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import ServiceLifecycle
import ShimCore
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The HTTPS simulator in-process and the real `ccgw-shim` binary as a child
/// process with a state directory, which a test kills (`SIGKILL`), stops
/// (`SIGTERM`) and starts again (issue #10).
final class RestartRig: Sendable, ShimRig {
    let simulator: Simulator
    let gatewayPort: Int
    let directory: String
    let stateDirectory: String
    let caFile: String
    let client: HTTPClient
    let agents: [SimulatorOptions.Agent]
    private let processes = NIOLockedValueBox<[Process]>([])
    private let current = NIOLockedValueBox<(process: Process, port: Int, log: String)?>(nil)
    private let starts = NIOLockedValueBox(0)

    var gateway: SimulatedGateway { simulator.gateway }

    init(simulator: Simulator, gatewayPort: Int, directory: String, caFile: String, agents: [SimulatorOptions.Agent]) throws {
        self.simulator = simulator
        self.gatewayPort = gatewayPort
        self.directory = directory
        self.caFile = caFile
        self.agents = agents
        stateDirectory = directory + "/state"
        try FileManager.default.createDirectory(atPath: stateDirectory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        client = HTTPClient(
            eventLoopGroupProvider: .singleton,
            configuration: .init(connectionPool: .init(idleTimeout: .seconds(5), concurrentHTTP1ConnectionsPerHostSoftLimit: 64)))
    }

    /// The config of every start: the agents, the state directory, fast timers.
    /// `connectTimeout: 5s`: TLS handshakes with the debug-built simulator are slow when the
    /// whole suite runs at once.
    func yaml(
        _ extra: String = "", sessions: String = "signInAtStartup: false, signOutOnShutdown: false", unpolledSignOut: String = "10s"
    )
        -> String
    {
        let agentLines = agents.map { "  - {id: \"\($0.id)\", phone: \"\($0.phone!)\", password: \"\($0.password)\"}" }.joined(separator: "\n")
        return """
            listen: {host: 127.0.0.1, port: 0}
            gateway: {url: "https://127.0.0.1:\(gatewayPort)", authMode: dynamic, caFile: \(caFile), connectTimeout: 5s, requestTimeout: 15s, pollTimeout: 3s, unpolledSignOut: \(unpolledSignOut)}
            sessions: {pollInterval: 50ms, \(sessions)}
            state: {directory: \(stateDirectory)}
            shutdown: {timeout: 2s}
            agents:
            \(agentLines)
            logging: {level: info, format: json}
            """ + extra
    }

    /// Starts the binary with `yaml` and waits for its "ready" line.
    @discardableResult
    func start(_ yaml: String) async throws -> Int {
        let n = starts.withLockedValue { n in
            n += 1
            return n
        }
        let logPath = directory + "/shim-\(n).log"
        let process = try ShimProcess.launch(yaml: yaml, configPath: directory + "/config-\(n).yaml", logPath: logPath)
        processes.withLockedValue { $0.append(process) }
        let port = try await ShimProcess.waitForReady(process, logPath: logPath)
        current.withLockedValue { $0 = (process, port, logPath) }
        return port
    }

    struct RigError: Error, CustomStringConvertible { let description: String }

    /// Kills the running shim with SIGKILL (an OOM kill, a node reboot) and waits for it.
    func kill9() {
        guard let process = current.withLockedValue({ $0?.process }) else { return }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    /// Stops the running shim with SIGTERM and waits for it to exit; its exit status.
    @discardableResult
    func terminate() -> Int32 {
        guard let process = current.withLockedValue({ $0?.process }) else { return -1 }
        process.terminate()
        process.waitUntilExit()
        return process.terminationStatus
    }

    var isRunning: Bool { current.withLockedValue { $0?.process.isRunning } ?? false }

    /// Every log line of every start.
    var logLines: [String] {
        let count = starts.withLockedValue { $0 }
        return (1...max(count, 1)).flatMap { n in
            ShimProcess.lines(directory + "/shim-\(n).log")
        }
    }

    /// Log lines of the current start.
    var currentLogLines: [String] {
        guard let path = current.withLockedValue({ $0?.log }) else { return [] }
        return ShimProcess.lines(path)
    }

    typealias Reply = RigReply

    func request(_ method: String, _ path: String, body: String? = nil) async throws -> Reply {
        try await send(method, "http://127.0.0.1:\(current.withLockedValue { $0?.port } ?? 0)\(path)", body: body)
    }

    func resetSkill(_ agent: String) async throws -> Reply {
        try await request("POST", "/v1/agents/\(agent)/reset-skill", body: #"{"skills":[1]}"#)
    }

    /// The state file as the shim wrote it (nil while missing or unusable).
    var saved: SavedState? {
        guard let data = FileManager.default.contents(atPath: stateDirectory + "/sessions.json") else { return nil }
        return try? SavedState.decode(Array(data), gatewayURL: "https://127.0.0.1:\(gatewayPort)", authMode: "dynamic")
    }

    /// Waits until the state file satisfies `condition` (the shim writes within about a
    /// second of a change; at most 30 s: start-up sign-ins of 50 agents over TLS take
    /// seconds while the whole suite runs).
    func waitForSaved(_ condition: (SavedState) -> Bool) async throws {
        let start = ContinuousClock.now
        while ContinuousClock.now - start < .seconds(30) {
            if let saved, condition(saved) { return }
            try await Task.sleep(for: .milliseconds(25))
        }
        if let saved, condition(saved) { return }
        let text = (try? String(contentsOfFile: stateDirectory + "/sessions.json", encoding: .utf8)) ?? "none"
        throw RigError(description: "the state file never showed the expected sessions: \(text.count) bytes, \(saved?.sessions.count ?? -1) sessions")
    }

    /// Log lines holding any GUID or cookie the simulator saw, or a password.
    func linesWithSecrets() async -> [String] { await linesWithSecrets(in: logLines) }

    func stopAll() async {
        for process in processes.withLockedValue({ $0 }) where process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        try? await client.shutdown()
    }
}

extension RestartRig {
    /// Signs every agent in through the shim and waits until the state file holds them all.
    func signInAll() async throws {
        for agent in agents {
            let reply = try await resetSkill(agent.id)
            #expect(reply.status == 200, "\(agent.id): \(reply.body)")
        }
        try await waitForSaved { $0.sessions.count == agents.count && $0.sessions.values.allSatisfy { $0.guid != nil } }
    }

    /// Waits (at most 30 s, a ceiling for a loaded machine) for a log line of the current start.
    func waitForLine(_ message: String) async throws {
        let start = ContinuousClock.now
        while ContinuousClock.now - start < .seconds(30) {
            if currentLogLines.contains(where: { $0.contains("\"msg\":\"\(message)\"") }) { return }
            try await Task.sleep(for: .milliseconds(25))
        }
    }
}

/// Runs `body` with a fresh simulator (HTTPS, private CA) and a rig for the binary;
/// stops everything afterwards, by pid.
func withRestartRig(
    agents count: Int = 3, configure: (inout SimulatorOptions) -> Void = { _ in }, _ body: (RestartRig) async throws -> Void
) async throws {
    let agents = (0..<count).map {
        SimulatorOptions.Agent(id: "\(3001 + $0)", password: "restart-pw-\($0)-Secret!", phone: "7\(3001 + $0)", skills: [1, 2, 3])
    }
    try await withSimulatorForBinaries(agents: agents, configure: configure) { simulator, gatewayPort, directory, caFile in
        let rig = try RestartRig(simulator: simulator, gatewayPort: gatewayPort, directory: directory, caFile: caFile, agents: agents)
        do {
            try await body(rig)
        } catch {
            await rig.stopAll()
            throw error
        }
        await rig.stopAll()
    }
}

/// The HTTPS simulator (private CA, dynamic GUIDs, a 300 ms poll hold, a 10 s unpolled
/// sign-out unless `configure` says otherwise) with a temporary directory holding its
/// CA file, for tests that run the real binary; `body` gets the simulator, its port,
/// the directory and the CA file's path. Stops the simulator afterwards.
func withSimulatorForBinaries(
    agents: [SimulatorOptions.Agent], configure: (inout SimulatorOptions) -> Void,
    _ body: (Simulator, Int, String, String) async throws -> Void
) async throws {
    let quiet = Logger(label: "rig", factory: { _ in SwiftLogNoOpLogHandler() })
    var options = SimulatorOptions(agents: agents)
    options.authMode = .dynamic
    options.pollHold = .milliseconds(300)
    options.unpolledTimeout = .seconds(10)
    configure(&options)
    let (ports, portContinuation) = AsyncStream.makeStream(of: Int.self)
    let simulator = try Simulator(options: options, logger: quiet, onServerRunning: { portContinuation.yield($0) })
    let simGroup = ServiceGroup(services: [simulator], logger: quiet)
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("rig-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let caFile = directory + "/ca.pem"
    try Data(simulator.certificateAuthority!.caCertificatePEM.utf8).write(to: URL(fileURLWithPath: caFile))
    try await withThrowingTaskGroup(of: Void.self) { tasks in
        tasks.addTask { try await simGroup.run() }
        var iterator = ports.makeAsyncIterator()
        let gatewayPort = await iterator.next()!
        do {
            try await body(simulator, gatewayPort, directory, caFile)
        } catch {
            await simGroup.triggerGracefulShutdown()
            throw error
        }
        await simGroup.triggerGracefulShutdown()
        try await tasks.waitForAll()
    }
}
