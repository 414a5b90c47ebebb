import Foundation
import GatewayClient
public import ShimCore

/// Loads a config file and everything it refers to, with the same checks for
/// `ccgw-shim run` and `ccgw-shim check-config`.
public struct ConfigLoader: Sendable {
    var secrets = SecretResolver()

    public init() {}

    /// A config ready to run: parsed, validated, secrets read, CA bundle readable.
    public struct Loaded: Sendable {
        public let config: ShimConfig
        public let passwords: [AgentID: String]
    }

    /// Reads and validates `path`.
    public func load(path: String) throws(ConfigError) -> Loaded {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw ConfigError(key: "", line: nil, problem: "cannot read the config file \(path)")
        }
        return try load(yaml: text)
    }

    /// Validates a config given as text.
    public func load(yaml: String) throws(ConfigError) -> Loaded {
        let config = try ConfigParser.parse(yaml: yaml)
        let passwords = try secrets.passwords(for: config)
        if let caFile = config.gateway.caFile { _ = try GatewayHTTPClient.loadCertificates(caFile) }
        return Loaded(config: config, passwords: passwords)
    }
}
