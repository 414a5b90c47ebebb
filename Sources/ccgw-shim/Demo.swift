import ArgumentParser
import Foundation
import GatewaySimulator
import Logging
import ServiceLifecycle
import ShimCore
import ShimServer
import UnixSignals

/// `ccgw-shim demo`: the bundled CC-Gateway simulator (HTTPS, private CA) and
/// the shim in front of it, on loopback, until Ctrl-C.
struct Demo: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the shim in front of the bundled CC-Gateway simulator.")

    @Option(help: "Port the shim listens on (127.0.0.1).")
    var port: Int = 8080

    func run() async throws {
        let logger = makeLogger(.init(), label: "ccgw-shim")
        let (ports, portContinuation) = AsyncStream.makeStream(of: Int.self)
        var options = SimulatorOptions(agents: [
            .init(id: "1001", password: "demo-password-1001", phone: "70001", skills: [1, 2, 3, 7]),
            .init(id: "1002", password: "demo-password-1002", phone: "70002", skills: [1, 2, 3, 7]),
        ])
        options.authMode = .dynamic
        options.rotationInterval = .seconds(20)
        options.guidGrace = .seconds(40)
        // Made-up inbound calls, so `curl -N .../v1/events` shows something.
        options.ringEvery = .seconds(20)
        let simulator = try Simulator(
            options: options, logger: makeLogger(.init(level: .warning, format: .json), label: "ccgw-sim"),
            onServerRunning: { portContinuation.yield($0) })
        let caFile = FileManager.default.temporaryDirectory.appendingPathComponent("ccgw-demo-ca-\(getpid()).pem").path
        try Data(simulator.certificateAuthority!.caCertificatePEM.utf8).write(to: URL(fileURLWithPath: caFile))
        let shimPort = port
        let shim = DemoShimService(ports: ports, caFile: caFile, listenPort: shimPort, logger: logger)
        let group = ServiceGroup(
            configuration: .init(services: [simulator, shim], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        defer { try? FileManager.default.removeItem(atPath: caFile) }
        do {
            try await group.run()
        } catch let error as ListenError {
            FileHandle.standardError.write(Data("ccgw-shim demo: port \(shimPort) is taken (\(error.address)); try --port \(shimPort + 1)\n".utf8))
            throw ExitCode(1)
        }
    }
}
