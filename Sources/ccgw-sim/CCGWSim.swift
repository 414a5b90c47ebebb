import ArgumentParser
import Foundation
import GatewaySimulator
import Logging
import ServiceLifecycle
import UnixSignals

/// `ccgw-sim`: the CC-Gateway simulator on its own, for manual tests and labs.
@main
struct CCGWSim: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "ccgw-sim", abstract: "A CC-Gateway simulator (HTTPS with a private CA).")

    @Option(help: "Port (127.0.0.1).") var port: Int = 8043
    @Option(help: "static or dynamic.") var authMode: String = "dynamic"
    @Option(help: "GUID rotation interval in seconds (dynamic mode).") var rotationSeconds: Int = 60
    @Option(help: "Seconds a superseded GUID stays valid.") var graceSeconds: Int = 120
    @Option(help: "Long-poll hold in milliseconds.") var pollHoldMs: Int = 10_000
    @Option(help: "Agents as id:password:phone[:skill;skill], repeatable.") var agent: [String] = ["1001:demo-password-1001:70001:1;2;3;7"]
    @Option(
        help: ArgumentHelp(
            "Also configure agents FIRST-LAST (e.g. 200001-210000), each with password password-<id>, phone <id>, skills 1;2;3.",
            valueName: "first-last"))
    var agentRange: String?
    @Option(help: "Write the CA certificate (PEM) to this file.") var caOut: String?
    @Flag(help: "Serve plain HTTP instead of HTTPS.") var plainHTTP = false
    @Option(help: "Ring each signed-in agent about every this many seconds (made-up calls: Ringing, Talking, release).")
    var ringEverySeconds: Int?

    func run() async throws {
        var options = SimulatorOptions(agents: try agent.map(Self.parseAgent))
        if let agentRange { options.agents += try Self.parseRange(agentRange) }
        guard let mode = SimulatorOptions.AuthMode(rawValue: authMode) else { throw ValidationError("--auth-mode must be static or dynamic") }
        options.authMode = mode
        options.rotationInterval = .seconds(rotationSeconds)
        options.guidGrace = .seconds(graceSeconds)
        options.pollHold = .milliseconds(pollHoldMs)
        options.ringEvery = ringEverySeconds.map { .seconds($0) }
        var logger = Logger(label: "ccgw-sim")
        logger.logLevel = .info
        let simulator = try Simulator(options: options, port: port, tls: !plainHTTP, logger: logger) { port in
            print("ccgw-sim listening on \(plainHTTP ? "http" : "https")://127.0.0.1:\(port)")
        }
        if let caOut, let ca = simulator.certificateAuthority {
            try ca.caCertificatePEM.write(toFile: caOut, atomically: true, encoding: .utf8)
        }
        let group = ServiceGroup(configuration: .init(services: [simulator], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
    }

    static func parseRange(_ text: String) throws -> [SimulatorOptions.Agent] {
        let bounds = text.split(separator: "-").compactMap { Int($0) }
        guard bounds.count == 2, bounds[0] >= 101, bounds[0] <= bounds[1] else {
            throw ValidationError("--agent-range must be FIRST-LAST with 101 <= FIRST <= LAST")
        }
        return (bounds[0]...bounds[1]).map { .init(id: "\($0)", password: "password-\($0)", phone: "\($0)") }
    }

    static func parseAgent(_ text: String) throws -> SimulatorOptions.Agent {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        guard parts.count >= 3 else { throw ValidationError("--agent must be id:password:phone[:skills]") }
        let skills = parts.count > 3 ? parts[3].split(separator: ";").compactMap { Int($0) } : [1, 2, 3]
        return .init(id: parts[0], password: parts[1], phone: parts[2], skills: skills)
    }
}
