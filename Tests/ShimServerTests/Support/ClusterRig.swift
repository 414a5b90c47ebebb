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

/// A cluster of real `ccgw-shim` processes (issue #11) on free loopback ports, in front
/// of the HTTPS simulator, coordinated by a real 3-member etcd; every process is
/// stopped by pid at the end.
final class ClusterRig: Sendable, ShimRig {
    let simulator: Simulator
    let etcd: EtcdCluster
    let gatewayPort: Int
    let directory: String
    let caFile: String
    let client: HTTPClient
    let agents: [SimulatorOptions.Agent]
    let peerToken = "peer-\(UUID().uuidString)-Secret"
    let leaseTTL: Int
    /// Members by id: port and the current process.
    private let members = NIOLockedValueBox<[String: (port: Int, process: Process?, starts: Int)]>([:])

    var gateway: SimulatedGateway { simulator.gateway }

    init(
        simulator: Simulator, etcd: EtcdCluster, gatewayPort: Int, directory: String, caFile: String, agents: [SimulatorOptions.Agent], leaseTTL: Int
    )
        throws
    {
        self.simulator = simulator
        self.etcd = etcd
        self.gatewayPort = gatewayPort
        self.directory = directory
        self.caFile = caFile
        self.agents = agents
        self.leaseTTL = leaseTTL
        try Data((peerToken + "\n").utf8).write(to: URL(fileURLWithPath: directory + "/peer-token"))
        chmod(directory + "/peer-token", 0o600)
        client = HTTPClient(
            eventLoopGroupProvider: .singleton,
            configuration: .init(connectionPool: .init(idleTimeout: .seconds(5), concurrentHTTP1ConnectionsPerHostSoftLimit: 64)))
    }

    /// The config of member `id` (its port is chosen at its first start and kept).
    /// `connectTimeout: 5s`: TLS handshakes with the debug-built simulator are slow when the
    /// whole suite runs at once.
    func yaml(
        _ id: String, port: Int, signOutOnShutdown: Bool = false, stateDirectory: Bool = false, endpoints: [String]? = nil, unpolledSignOut: Int = 10,
        drainDelay: String = "0s", extra: String = ""
    ) -> String {
        let agentLines = agents.map { "  - {id: \"\($0.id)\", phone: \"\($0.phone!)\", password: \"\($0.password)\"}" }.joined(separator: "\n")
        let state = stateDirectory ? "state: {directory: \(directory)/state-\(id)}\n" : ""
        return """
            listen: {host: 127.0.0.1, port: \(port)}
            gateway: {url: "https://127.0.0.1:\(gatewayPort)", authMode: dynamic, caFile: \(caFile), connectTimeout: 5s, requestTimeout: 10s, pollTimeout: 3s, unpolledSignOut: \(unpolledSignOut)s}
            sessions: {pollInterval: 100ms, signInAtStartup: false, signOutOnShutdown: \(signOutOnShutdown)}
            shutdown: {timeout: 3s, drainDelay: \(drainDelay)}
            cluster:
              memberId: \(id)
              advertiseURL: http://127.0.0.1:\(port)
              peerTokenFile: \(directory)/peer-token
              leaseTTL: \(leaseTTL)s
              etcd: {endpoints: [\((endpoints ?? etcd.endpoints).joined(separator: ", "))]}
            \(state)agents:
            \(agentLines)
            logging: {level: info, format: json}
            \(extra)
            """
    }

    func port(of id: String) throws -> Int {
        if let port = members.withLockedValue({ $0[id]?.port }) { return port }
        let port = try freePort()
        members.withLockedValue { $0[id] = (port, nil, 0) }
        return port
    }

    func logPath(_ id: String, start: Int) -> String { directory + "/\(id)-\(start).log" }

    /// Launches member `id` without waiting; its log path.
    @discardableResult
    func launch(_ id: String, yaml: String? = nil) throws -> (process: Process, log: String) {
        let port = try port(of: id)
        let start = members.withLockedValue { $0[id]!.starts + 1 }
        let log = logPath(id, start: start)
        let process = try ShimProcess.launch(yaml: yaml ?? self.yaml(id, port: port), configPath: directory + "/\(id)-\(start).yaml", logPath: log)
        members.withLockedValue { $0[id] = (port, process, start) }
        return (process, log)
    }

    /// Waits until `condition` holds for the owners etcd shows (at most `limit`).
    func waitForOwners(limit: Duration = .seconds(30), _ condition: ([String: String]) -> Bool) async throws {
        let start = ContinuousClock.now
        while ContinuousClock.now - start < limit {
            if let owners = try? await owners(), condition(owners) { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw RestartRig.RigError(description: "etcd never showed the expected owners: \((try? await owners()) ?? [:])")
    }

    /// Starts member `id` and waits for its "ready" line.
    func start(_ id: String, yaml: String? = nil) async throws {
        let (process, log) = try launch(id, yaml: yaml)
        _ = try await ShimProcess.waitForReady(process, logPath: log, attempts: 600)
    }

    func process(_ id: String) -> Process? { members.withLockedValue { $0[id]?.process } }

    func signal(_ id: String, _ number: Int32) {
        guard let process = process(id) else { return }
        kill(process.processIdentifier, number)
    }

    func kill9(_ id: String) {
        guard let process = process(id) else { return }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    /// SIGTERM and wait; the exit status.
    @discardableResult
    func terminate(_ id: String) -> Int32 {
        guard let process = process(id) else { return -1 }
        process.terminate()
        process.waitUntilExit()
        return process.terminationStatus
    }

    /// Every log line of every start of every member (or of `id`).
    func logLines(_ id: String? = nil) -> [String] {
        let all = members.withLockedValue { $0.map { ($0.key, $0.value.starts) } }
        return all.filter { id == nil || $0.0 == id }.flatMap { member, starts in
            (1...max(starts, 1)).flatMap { n in
                ShimProcess.lines(logPath(member, start: n))
            }
        }
    }

    typealias Reply = RigReply

    func request(
        _ member: String, _ method: String, _ path: String, body: String? = nil, requestID: String? = nil, headers: [(String, String)] = [],
        timeout: Duration = .seconds(20)
    ) async throws -> Reply {
        try await send(
            method, "http://127.0.0.1:\(try port(of: member))\(path)", body: body,
            headers: headers + (requestID.map { [("X-Request-Id", $0)] } ?? []),
            timeout: timeout)
    }

    func resetSkill(_ agent: String, via member: String, requestID: String? = nil) async throws -> Reply {
        try await request(member, "POST", "/v1/agents/\(agent)/reset-skill", body: #"{"skills":[1]}"#, requestID: requestID)
    }

    /// A range over `prefix` from the first etcd member that answers.
    func range(_ prefix: String) async throws -> JSONValue {
        var last: (any Error)?
        for member in etcd.members where etcd.isRunning(member) {
            do {
                return try await EtcdCluster.post(member.clientURL + "/v3/kv/range", EtcdJSON.range(prefix: prefix).serialized)
            } catch {
                last = error
            }
        }
        throw last ?? RestartRig.RigError(description: "no etcd member runs")
    }

    /// Each agent's owner as etcd has it.
    func owners() async throws -> [String: String] {
        let keys = ClusterKeys(prefix: "/ccgw-shim")
        let answer = try await range(keys.agents)
        var owners: [String: String] = [:]
        for kv in EtcdJSON.keys(answer) {
            guard case .agent(let agent)? = keys.kind(of: kv.key), let record = ClusterRecord(bytes: kv.value) else { continue }
            owners[agent.rawValue] = record.member
        }
        return owners
    }

    /// Every value the cluster wrote to etcd, decoded.
    func etcdValues() async throws -> [String] {
        let answer = try await range("/ccgw-shim/")
        return EtcdJSON.keys(answer).map { $0.key + "=" + String(decoding: $0.value, as: UTF8.self) }
    }

    /// The lines of `texts` holding any GUID or cookie the simulator saw, a password or the peer token.
    func linesWithSecrets(_ texts: [String]) async -> [String] { await linesWithSecrets(in: texts, extra: [peerToken]) }

    func stopAll() async {
        for process in members.withLockedValue({ $0.values.compactMap(\.process) }) where process.isRunning {
            kill(process.processIdentifier, SIGCONT)
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        try? await client.shutdown()
    }
}

/// Runs `body` with a fresh simulator, a 3-member etcd and a rig for shim members;
/// stops everything afterwards, by pid.
func withClusterRig(
    agents count: Int, leaseTTL: Int = 2, configure: (inout SimulatorOptions) -> Void = { _ in }, _ body: (ClusterRig) async throws -> Void
) async throws {
    let agents = (0..<count).map {
        SimulatorOptions.Agent(id: "\(4001 + $0)", password: "cluster-pw-\($0)-Secret!", phone: "8\(4001 + $0)", skills: [1, 2, 3])
    }
    try await withEtcdCluster { etcd in
        try await withSimulatorForBinaries(agents: agents, configure: configure) { simulator, gatewayPort, directory, caFile in
            let rig = try ClusterRig(
                simulator: simulator, etcd: etcd, gatewayPort: gatewayPort, directory: directory, caFile: caFile, agents: agents, leaseTTL: leaseTTL)
            do {
                try await body(rig)
            } catch {
                await rig.stopAll()
                throw error
            }
            await rig.stopAll()
        }
    }
}
