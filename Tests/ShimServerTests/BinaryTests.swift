import Foundation
import GatewaySimulator
import Logging
import ServiceLifecycle
import ShimCore
import ShimServer
import Testing

/// The real `ccgw-shim` executable, as an operator runs it.
@Suite(.timeLimit(.minutes(1))) struct BinaryTests {
    /// `.build/<config>/ccgw-shim`, built by `swift test` beside the test bundle.
    static var binary: String {
        var directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        while directory.path != "/" {
            let candidate = directory.appendingPathComponent("ccgw-shim").path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            directory = directory.deletingLastPathComponent()
        }
        return URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../.build/debug/ccgw-shim").standardized.path
    }

    struct Result {
        let status: Int32
        let stdout: String
        let stderr: String
    }

    static func run(_ arguments: [String], environment: [String: String] = [:], until: ((Process) async throws -> Void)? = nil) async throws -> Result
    {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        if let until { try await until(process) }
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(
            status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self), stderr: String(decoding: stderr, as: UTF8.self))
    }

    func writeTemporary(_ text: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("ccgw-bin-\(UUID().uuidString).yaml").path
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    @Test func binaryIsBuilt() {
        #expect(FileManager.default.isExecutableFile(atPath: Self.binary), "expected \(Self.binary)")
    }

    @Test func checkConfigAcceptsAGoodConfig() async throws {
        let path = try writeTemporary(
            "gateway: {url: \"https://gw:8043\", authMode: static}\nagents:\n  - {id: \"1001\", phone: \"1\", passwordEnv: CCGW_BIN_TEST_PW}\n")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let result = try await Self.run(["check-config", "--config", path], environment: ["CCGW_BIN_TEST_PW": "x"])
        #expect(result.status == 0)
        #expect(result.stdout.contains("config OK"))
    }

    /// Outside systemd there is no `$CREDENTIALS_DIRECTORY`: `--credentials-directory`
    /// checks a config that names systemd credentials (the .deb's) against their files.
    @Test func checkConfigReadsCredentialsFromTheGivenDirectory() async throws {
        let path = try writeTemporary(
            "gateway: {url: \"https://gw:8043\", authMode: dynamic}\nagents:\n  - {id: \"1001\", phone: \"1\", passwordCredential: agent-1001}\n")
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ccgw-creds-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: false)
        defer {
            try? FileManager.default.removeItem(atPath: path)
            try? FileManager.default.removeItem(atPath: directory)
        }
        let without = try await Self.run(["check-config", "--config", path], environment: ["CREDENTIALS_DIRECTORY": ""])
        #expect(without.status == 1)
        #expect(without.stderr.contains("agents[0].passwordCredential"), "\(without.stderr)")
        let missing = try await Self.run(["check-config", "--config", path, "--credentials-directory", directory])
        #expect(missing.status == 1)
        #expect(missing.stderr.contains("agents[0].passwordCredential: cannot read the file \(directory)/agent-1001"), "\(missing.stderr)")
        try Data("a-password\n".utf8).write(to: URL(fileURLWithPath: directory + "/agent-1001"))
        let found = try await Self.run(["check-config", "--config", path, "--credentials-directory", directory])
        #expect(found.status == 0, "\(found.stderr)")
        #expect(found.stdout.contains("config OK"))
        #expect(!found.stdout.contains("a-password") && !found.stderr.contains("a-password"))
    }

    @Test(arguments: [
        ("gateway: {url: \"https://gw:8043\", authMode: static, pollTimout: 1s}\n", "gateway.pollTimout (line 1)"),
        (
            "gateway: {url: \"https://gw:8043\", authMode: static}\nagents:\n  - {id: \"1001\", phone: \"1\", passwordEnv: CCGW_UNSET_VAR_X}\n",
            "agents[0].passwordEnv"
        ),
        ("gateway: {url: \"https://gw:8043\", authMode: sometimes}\n", "gateway.authMode"),
    ])
    func checkConfigNamesTheKeyInOneLine(yaml: String, fragment: String) async throws {
        let path = try writeTemporary(yaml)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let result = try await Self.run(["check-config", "--config", path])
        #expect(result.status == 1)
        #expect(result.stderr.contains(fragment), "\(result.stderr)")
        #expect(result.stderr.split(separator: "\n").count == 1)
        // `run` refuses to start with the same line.
        let run = try await Self.run(["run", "--config", path])
        #expect(run.status == 1)
        #expect(run.stderr.contains(fragment))
    }

    /// A listener whose port another process holds stops the start with one line naming
    /// the key to change (not NIO's `bind(descriptor:...)` and an errno), and exit 1.
    @Test(arguments: ["listen", "metrics.listen"])
    func aTakenPortIsOneLineNamingTheKey(listener: String) async throws {
        let held = try HeldPort()
        defer { held.release() }
        let api = listener == "listen" ? held.port : 0
        let metrics = listener == "metrics.listen" ? "metrics: {listen: {host: 127.0.0.1, port: \(held.port)}}\n" : ""
        let path = try writeTemporary(
            "listen: {host: 127.0.0.1, port: \(api)}\n\(metrics)gateway: {url: \"https://127.0.0.1:1\", authMode: static}\n"
                + "agents:\n  - {id: \"1001\", phone: \"1\", password: pw-taken-Secret}\nlogging: {level: info, format: json}\n")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let result = try await Self.run(["run", "--config", path])
        #expect(result.status == 1)
        let line = "ccgw-shim: \(listener).port: cannot listen on 127.0.0.1:\(held.port): another process listens there"
        #expect(result.stderr.split(separator: "\n").map(String.init) == [line], "\(result.stderr)")
        #expect(result.stdout.contains("\"level\":\"error\""))
        #expect(!result.stdout.contains("pw-taken-Secret") && !result.stderr.contains("pw-taken-Secret"))
    }

    @Test func printsItsVersionAndBuild() async throws {
        let result = try await Self.run(["--version"])
        #expect(result.status == 0)
        #expect(result.stdout.contains(ShimVersion.current))
        #expect(result.stdout.contains("debug") || result.stdout.contains("release"))
    }

    @Test func sigtermDrainsAndSignsOut() async throws {
        let quiet = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })
        let (ports, portContinuation) = AsyncStream.makeStream(of: Int.self)
        var options = testSimulatorOptions(.dynamic)
        options.pollHold = .milliseconds(200)
        let simulator = try Simulator(options: options, logger: quiet, onServerRunning: { portContinuation.yield($0) })
        let group = ServiceGroup(services: [simulator], logger: quiet)
        let caFile = try writeTemporary(simulator.certificateAuthority!.caCertificatePEM)
        defer { try? FileManager.default.removeItem(atPath: caFile) }
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            var iterator = ports.makeAsyncIterator()
            let gatewayPort = await iterator.next()!
            let yaml = testShimYAML(gatewayURL: "https://127.0.0.1:\(gatewayPort)", caFile: caFile, signInAtStartup: true)
                .replacingOccurrences(of: "level: trace", with: "level: info")
            let config = try writeTemporary(yaml)
            defer { try? FileManager.default.removeItem(atPath: config) }
            let notify = try NotifySocket()
            defer { notify.close() }
            let result = try await Self.run(["run", "--config", config], environment: ["NOTIFY_SOCKET": notify.path]) { process in
                for _ in 0..<100 where await simulator.gateway.entries().filter({ $0.operation == "login" }).count < 3 {
                    try await Task.sleep(for: .milliseconds(50))
                }
                kill(process.processIdentifier, SIGHUP)  // reload: must not stop the process
                try await Task.sleep(for: .milliseconds(400))
                #expect(process.isRunning)
                process.terminate()  // SIGTERM
            }
            #expect(result.status == 0)
            #expect(result.stdout.contains("\"msg\":\"config reloaded\""))
            try await Task.sleep(for: .milliseconds(150))
            let messages = notify.messages
            #expect(messages.first?.hasPrefix("READY=1") == true)
            #expect(messages.contains { $0.hasPrefix("RELOADING=1") })
            #expect(messages.contains { $0.hasPrefix("STOPPING=1") })
            let logouts = await simulator.gateway.entries().filter { $0.operation == "logout" }
            #expect(logouts.count == 3)
            #expect(result.stdout.contains("\"msg\":\"logout\""))
            for agent in testAgents { #expect(!result.stdout.contains(agent.password)) }
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
    }

    /// The soft open-file limit is raised to the hard one; a hard limit too low for the
    /// configured agents (two connections each) is named in one warning.
    @Test(arguments: [(hard: 4096, warns: false), (hard: 300, warns: true)])
    func openFileLimitIsRaisedOrReported(hard: Int, warns: Bool) async throws {
        var yaml = "listen: {host: 127.0.0.1, port: 0}\ngateway: {url: \"http://127.0.0.1:1\", authMode: dynamic}\nagents:\n"
        for id in 1001...1300 { yaml += "  - {id: \"\(id)\", phone: \"7\(id)\", password: x}\n" }
        let path = try writeTemporary(yaml)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", "ulimit -Sn 256 && ulimit -Hn \(hard) && exec \"$0\" run --config \"$1\"", Self.binary, path]
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        try await Task.sleep(for: .seconds(2))
        process.terminate()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(text.contains("\"msg\":\"starting\""))
        #expect(text.contains("open-file limit is too low") == warns)
        if warns { #expect(text.contains("\"limit.nofile\":\"300\"") && text.contains("\"limit.wanted\":\"856\"")) }
    }
}
