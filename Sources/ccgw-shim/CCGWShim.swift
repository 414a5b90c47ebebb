import ArgumentParser
import Logging
import ShimCore
import ShimServer

/// `ccgw-shim`: run the daemon, check a config, or run the demo (started by `Main`).
struct CCGWShim: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ccgw-shim",
        abstract: "One stable HTTP endpoint for CC-Gateway resetSkill, with managed agent sessions.",
        version: "\(ShimVersion.current) (\(ShimVersion.build))",
        subcommands: [Run.self, CheckConfig.self, Demo.self],
        defaultSubcommand: Run.self
    )
}
