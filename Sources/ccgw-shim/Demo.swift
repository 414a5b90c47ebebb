import ArgumentParser
import UnixSignals
import Foundation
import GatewaySimulator
import ServiceLifecycle
import Logging
import ShimCore
import ShimServer

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
        let simulator = try Simulator(
            options: options, logger: makeLogger(.init(level: .warning, format: .json), label: "ccgw-sim"),
            onServerRunning: { portContinuation.yield($0) })
        let caFile = FileManager.default.temporaryDirectory.appendingPathComponent("ccgw-demo-ca-\(getpid()).pem").path
        try Data(simulator.certificateAuthority!.caCertificatePEM.utf8).write(to: URL(fileURLWithPath: caFile))
        let shimPort = port
        let shim = DemoShimService(ports: ports, caFile: caFile, listenPort: shimPort, logger: logger)
        let group = ServiceGroup(
            configuration: .init(services: [simulator, shim], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
        try? FileManager.default.removeItem(atPath: caFile)
    }
}

/// Starts the shim once the simulator's port is known, configured for it.
struct DemoShimService: Service {
    let ports: AsyncStream<Int>
    let caFile: String
    let listenPort: Int
    let logger: Logger

    func run() async throws {
        var iterator = ports.makeAsyncIterator()
        guard let gatewayPort = await iterator.next() else { return }
        let yaml = """
            listen: {host: 127.0.0.1, port: \(listenPort)}
            gateway:
              url: https://127.0.0.1:\(gatewayPort)
              authMode: dynamic
              caFile: \(caFile)
            agents:
              - {id: "1001", phone: "70001", password: demo-password-1001}
              - {id: "1002", phone: "70002", password: demo-password-1002}
            logging: {level: info, format: text}
            """
        let loaded = try ConfigLoader().load(yaml: yaml)
        let levelControl = LogLevelControl(.info)
        var options = ShimRuntime.Options()
        options.onServerRunning = { port in
            FileHandle.standardOutput.write(Data("""
                ccgw-shim demo: simulator on https://127.0.0.1:\(gatewayPort) (private CA), shim on http://127.0.0.1:\(port). Try:
                curl -s -X POST http://127.0.0.1:\(port)/v1/agents/1001/reset-skill -H 'Content-Type: application/json' -d '{"skills":[1,2,7]}'

                """.utf8))
        }
        let runtime = try ShimRuntime(
            loaded: loaded, logger: makeLogger(loaded.config.logging, levelControl: levelControl), levelControl: levelControl, options: options)
        try await runtime.run()
    }
}
