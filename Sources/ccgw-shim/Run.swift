import ArgumentParser
import Foundation
import Logging
import ServiceLifecycle
import ShimCore
import ShimServer
import UnixSignals

/// `ccgw-shim run --config FILE`: serve until SIGTERM/SIGINT; SIGHUP reloads.
struct Run: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the shim with a config file (the default command).")

    @Option(name: .shortAndLong, help: "Path of the YAML config.")
    var config: String = ShimDefaults.configPath

    func run() async throws {
        signal(SIGHUP, SIG_IGN)  // already done by `Main`; kept for callers of `Run` in-process
        let loaded: ConfigLoader.Loaded
        do {
            loaded = try ConfigLoader().load(path: config)
        } catch {
            FileHandle.standardError.write(Data("ccgw-shim: \(error)\n".utf8))
            throw ExitCode(1)
        }
        let levelControl = LogLevelControl(loaded.config.logging.level.loggerLevel)
        let logger = makeLogger(loaded.config.logging, levelControl: levelControl)
        logger.info(
            "starting",
            metadata: [
                "version": "\(ShimVersion.current)", "build": "\(ShimVersion.build)", "gateway.url": "\(loaded.config.gateway.url)",
                "agents": "\(loaded.config.agents.count)", "concurrency.on_event_loops": "\(Main.concurrencyOnEventLoops)",
            ])
        let openFiles = FileDescriptorLimit.raise()
        let wantedFiles = FileDescriptorLimit.wanted(agents: loaded.config.agents.count)
        if openFiles < wantedFiles {
            logger.warning(
                "the open-file limit is too low for the configured agents; raise it (LimitNOFILE= under systemd, ulimit -n)",
                metadata: ["limit.nofile": "\(openFiles)", "limit.wanted": "\(wantedFiles)"])
        }
        var options = ShimRuntime.Options(configPath: config)
        options.environment = ProcessInfo.processInfo.environment
        options.reloadOnSIGHUP = true
        let runtime: ShimRuntime
        do {
            runtime = try ShimRuntime(loaded: loaded, logger: logger, levelControl: levelControl, options: options)
        } catch {
            FileHandle.standardError.write(Data("ccgw-shim: \(error)\n".utf8))
            throw ExitCode(1)
        }
        do {
            try await runtime.join()
        } catch {
            FileHandle.standardError.write(Data("ccgw-shim: \(error)\n".utf8))
            logger.error("\(error)")
            throw ExitCode(1)
        }
        let group = ServiceGroup(
            configuration: .init(services: [runtime], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        do {
            try await group.run()
        } catch let error as ListenError {
            // One line naming the key, on stderr and in the log, as for a bad config.
            FileHandle.standardError.write(Data("ccgw-shim: \(error)\n".utf8))
            logger.error("\(error)")
            throw ExitCode(1)
        }
    }
}
