import AsyncHTTPClient
import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import ShimCore

#if canImport(Glibc)
import Glibc
#endif

/// A real 3-member etcd cluster (Debian's `etcd-server`, etcd 3.4) on free loopback
/// ports with temporary data directories, started by the test and stopped by pid.
final class EtcdCluster: Sendable {
    struct Member: Sendable {
        let name: String
        let clientPort: Int
        let peerPort: Int
        var clientURL: String { "http://127.0.0.1:\(clientPort)" }
    }

    let members: [Member]
    let directory: String
    private let processes = NIOLockedValueBox<[String: Process]>([:])

    /// The `etcd` binary (`ETCD_BINARY`, else on the PATH).
    static var binary: String? {
        if let path = ProcessInfo.processInfo.environment["ETCD_BINARY"] { return path }
        for directory in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin").split(separator: ":") {
            let path = "\(directory)/etcd"
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        return nil
    }

    init(size: Int = 3) throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("etcd-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        members = try (1...size).map { Member(name: "m\($0)", clientPort: try freePort(), peerPort: try freePort()) }
    }

    var endpoints: [String] { members.map(\.clientURL) }

    /// Starts every member and waits until the cluster has a leader.
    func start() async throws {
        for member in members { try launch(member, state: "new") }
        try await waitForLeader()
    }

    private func launch(_ member: Member, state: String) throws {
        guard let binary = Self.binary else { throw ClusterError(description: "etcd is not installed (Debian: apt-get install etcd-server)") }
        let cluster = members.map { "\($0.name)=http://127.0.0.1:\($0.peerPort)" }.joined(separator: ",")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = [
            "--name", member.name, "--data-dir", "\(directory)/\(member.name)",
            "--listen-client-urls", member.clientURL, "--advertise-client-urls", member.clientURL,
            "--listen-peer-urls", "http://127.0.0.1:\(member.peerPort)",
            "--initial-advertise-peer-urls", "http://127.0.0.1:\(member.peerPort)",
            "--initial-cluster", cluster, "--initial-cluster-state", state, "--initial-cluster-token", "ccgw-test",
            "--heartbeat-interval", "50", "--election-timeout", "500",
        ]
        let log = "\(directory)/\(member.name).log"
        FileManager.default.createFile(atPath: log, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        processes.withLockedValue { $0[member.name] = process }
    }

    /// The member that leads now, if any answers.
    func leader() async -> Member? {
        for member in members where isRunning(member) {
            guard let status = try? await Self.post(member.clientURL + "/v3/maintenance/status", "{}"),
                let leader = status["leader"]?.stringValue, let own = status["header"]?["member_id"]?.stringValue
            else { continue }
            if leader == own { return member }
        }
        return nil
    }

    func waitForLeader() async throws {
        for _ in 0..<200 {
            if await leader() != nil { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw ClusterError(description: "the etcd cluster elected no leader")
    }

    func isRunning(_ member: Member) -> Bool { processes.withLockedValue { $0[member.name]?.isRunning } ?? false }

    /// Kills a member with SIGKILL.
    func kill9(_ member: Member) {
        guard let process = processes.withLockedValue({ $0[member.name] }) else { return }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    /// Starts a killed member again with its data.
    func restart(_ member: Member) throws { try launch(member, state: "existing") }

    /// Stops every member, by pid, and removes the data.
    func stop() {
        for process in processes.withLockedValue({ Array($0.values) }) where process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        try? FileManager.default.removeItem(atPath: directory)
    }

    struct ClusterError: Error, CustomStringConvertible { let description: String }

    static func post(_ url: String, _ body: String) async throws -> JSONValue {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.body = .bytes(ByteBuffer(string: body))
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(1))
        return try JSONParser.parse(try await response.body.collect(upTo: 1 << 20).readableBytesView)
    }
}

/// A free TCP port on 127.0.0.1 (bound, then released for the caller).
func freePort() throws -> Int {
    let held = try HeldPort()
    defer { held.release() }
    return held.port
}

/// Runs `body` with a fresh 3-member etcd cluster; stops it afterwards.
func withEtcdCluster(_ body: (EtcdCluster) async throws -> Void) async throws {
    let cluster = try EtcdCluster()
    defer { cluster.stop() }
    try await cluster.start()
    try await body(cluster)
}
