import ArgumentParser
import Foundation
import Logging
import ShimCore
import ShimServer

/// `ccgw-shim check-config --config FILE`: the start-up checks, without starting.
struct CheckConfig: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check-config", abstract: "Validate a config file (and the secrets and CA file it names); exit 0 or 1.")

    @Option(name: .shortAndLong, help: "Path of the YAML config.")
    var config: String

    @Option(
        help: ArgumentHelp(
            "Read passwordCredential (and other …Credential) files from this directory instead of $CREDENTIALS_DIRECTORY, to check outside systemd (e.g. /etc/ccgw-shim/credentials).",
            valueName: "dir"))
    var credentialsDirectory: String?

    func run() throws {
        do {
            let loaded = try ConfigLoader(credentialsDirectory: credentialsDirectory).load(path: config)
            let cluster = loaded.config.cluster.map {
                ", cluster member \($0.memberID) advertised at \($0.advertiseURL), etcd \($0.etcd.endpoints.count) endpoint(s), lease \($0.leaseTTL)"
            }
            print(
                "config OK: gateway \(loaded.config.gateway.url) (\(loaded.config.gateway.authMode)), \(loaded.config.agents.count) agent(s), listening on \(loaded.config.listen.host):\(loaded.config.listen.port)\(cluster ?? "")"
            )
        } catch {
            FileHandle.standardError.write(Data("ccgw-shim: \(error)\n".utf8))
            throw ExitCode(1)
        }
    }
}
