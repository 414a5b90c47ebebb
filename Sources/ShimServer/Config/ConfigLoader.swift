import Foundation
import GatewayClient
public import ShimCore

/// Loads a config file and everything it refers to, with the same checks for
/// `ccgw-shim run` and `ccgw-shim check-config`.
public struct ConfigLoader: Sendable {
    var secrets = SecretResolver()

    public init() {}

    /// `credentialsDirectory`: where `password…Credential` files are read instead of
    /// `$CREDENTIALS_DIRECTORY`, for `check-config` outside systemd (e.g. the
    /// `/etc/ccgw-shim/credentials` the unit's `LoadCredential=` lines read from).
    public init(credentialsDirectory: String?) {
        guard let credentialsDirectory else { return }
        let environment = secrets.environment
        secrets.environment = { $0 == "CREDENTIALS_DIRECTORY" ? credentialsDirectory : environment($0) }
    }

    /// A config ready to run: parsed, validated, secrets read, CA bundle readable.
    public struct Loaded: Sendable {
        public let config: ShimConfig
        public let passwords: [AgentID: String]
        /// Bearer tokens by client name.
        public let tokens: [String: String]
        /// The cluster's peer token (cluster mode only).
        public let peerToken: String?
        /// Webhook signing secrets (`whsec_…`) by webhook name.
        public var webhookSecrets: [String: String] = [:]
        /// Things worth a warning at start (shared secret files, verification off).
        public let warnings: [String]
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
        var config = try ConfigParser.parse(yaml: yaml)
        // systemd's StateDirectory= sets $STATE_DIRECTORY (several paths are ':'-separated: the first is ours).
        if config.state.directory == nil, let directory = secrets.environment("STATE_DIRECTORY")?.split(separator: ":").first, !directory.isEmpty {
            config.state.directory = String(directory)
        }
        let passwords = try secrets.passwords(for: config)
        let tokens = try secrets.tokens(for: config)
        if let caFile = config.gateway.caFile { _ = try PEMFile.certificates(caFile, key: "gateway.caFile") }
        if let certFile = config.gateway.clientCertFile { _ = try PEMFile.certificates(certFile, key: "gateway.clientCertFile") }
        if let tls = config.listen.tls { _ = try PEMFile.certificates(tls.certFile, key: "listen.tls.certFile") }
        var peerToken: String?
        if let cluster = config.cluster {
            config.cluster = try ClusterConfigParser.resolveCluster(cluster, listenTLS: config.listen.tls != nil, lookup: secrets.environment)
            peerToken = try secrets.resolve(cluster.peerToken, key: "cluster.\(cluster.peerToken.key(prefix: "peerToken"))")
            if let caFile = cluster.etcd.caFile { _ = try PEMFile.certificates(caFile, key: "cluster.etcd.caFile") }
            if let certFile = cluster.etcd.certFile { _ = try PEMFile.certificates(certFile, key: "cluster.etcd.certFile") }
            if let keyFile = cluster.etcd.keyFile { _ = try PEMFile.privateKey(keyFile, key: "cluster.etcd.keyFile") }
        }
        var webhookSecrets: [String: String] = [:]
        for webhook in config.events.webhooks {
            let key = "\(webhook.keyPath).\(webhook.secret.key(prefix: "secret"))"
            let secret = try secrets.resolve(webhook.secret, key: key)
            guard WebhookSignature(secret: secret) != nil else {
                throw ConfigError(
                    key: key, line: nil, problem: "must hold a Standard Webhooks secret: whsec_ followed by a base64 key of at least 16 bytes")
            }
            webhookSecrets[webhook.name] = secret
            if let caFile = webhook.caFile { _ = try PEMFile.certificates(caFile, key: "\(webhook.keyPath).caFile") }
        }
        var warnings = secrets.permissionWarnings(for: config)
        if config.gateway.insecureSkipVerify {
            warnings.append(
                "gateway.insecureSkipVerify is on: the gateway's certificate is not checked, so anyone on the path can read agent GUIDs and passwords"
            )
        }
        if config.clients.isEmpty, !config.listen.isLoopback {
            warnings.append(
                "allowUnauthenticated is on and listen.host \(config.listen.host) is reachable from other machines: anyone who reaches it can reset any agent's skills"
            )
        }
        var loaded = Loaded(config: config, passwords: passwords, tokens: tokens, peerToken: peerToken, warnings: warnings)
        loaded.webhookSecrets = webhookSecrets
        return loaded
    }
}
