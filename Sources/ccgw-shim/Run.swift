import ArgumentParser
import Foundation
import Hummingbird
import Logging
import ShimCore
import ShimServer

/// `ccgw-shim run --config FILE`: serve until SIGTERM/SIGINT.
struct Run: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the shim with a config file (the default command).")

    @Option(name: .shortAndLong, help: "Path of the YAML config.")
    var config: String = "/etc/ccgw-shim/config.yaml"

    func run() async throws {
        let loaded: ConfigLoader.Loaded
        do {
            loaded = try ConfigLoader().load(path: config)
        } catch {
            FileHandle.standardError.write(Data("ccgw-shim: \(error)\n".utf8))
            throw ExitCode(1)
        }
        let logger = makeLogger(loaded.config.logging)
        logger.info(
            "starting", metadata: ["version": "\(ShimVersion.current)", "gateway.url": "\(loaded.config.gateway.url)", "agents": "\(loaded.config.agents.count)"])
        do {
            let app = try buildApplication(loaded: loaded, logger: logger)
            try await app.runService()
        } catch let error as ConfigError {
            FileHandle.standardError.write(Data("ccgw-shim: \(error)\n".utf8))
            throw ExitCode(1)
        }
    }
}
