import Yams

/// Turns the YAML config into a validated `ShimConfig`.
///
/// Strict by design: an unknown key, a missing required key, a bad duration or
/// a second secret source is an error that names the key and line, so a typo
/// never silently falls back to a default.
public enum ConfigParser {
    static let topKeys = [
        "listen", "gateway", "sessions", "agents", "logging", "shutdown", "metrics", "clients", "allowUnauthenticated", "limits",
        "state", "cluster", "skills", "bulk", "events",
    ]
    static let skillsKeys = ["default", "configuredCacheTTL", "reapplyMaxBackoff"]
    static let bulkKeys = ["concurrency", "ratePerSecond", "maxAgents"]
    static let stateKeys = ["directory"]
    static let limitsKeys = ["maxInFlight", "maxQueuedPerAgent"]
    static let tlsKeys = ["certFile", "keyFile"]
    static let shutdownKeys = ["drainDelay", "timeout"]
    static let metricsKeys = ["listen", "agentLabel"]
    static let listenKeys = ["host", "port", "tls"]
    static let gatewayKeys = [
        "url", "authMode", "caFile", "connectTimeout", "requestTimeout", "pollTimeout", "serverName", "clientCertFile",
        "clientKeyFile", "insecureSkipVerify", "unpolledSignOut",
    ]
    static let sessionKeys = ["signInAtStartup", "forceLogin", "signOutOnShutdown", "pollInterval", "signInConcurrency", "keepSignedIn"]
    static let loggingKeys = ["level", "format"]

    /// Parses and validates a whole config document.
    public static func parse(yaml: String) throws(ConfigError) -> ShimConfig {
        let root: Node
        do {
            guard let node = try Yams.compose(yaml: yaml) else {
                throw ConfigError(key: "", line: nil, problem: "the file is empty")
            }
            root = node
        } catch let error as ConfigError {
            throw error
        } catch let error as YamlError {
            throw Self.describe(error)
        } catch {
            throw ConfigError(key: "", line: nil, problem: "cannot be read as YAML")
        }
        let top = try YAMLMappingReader(root, path: "", allowed: topKeys)

        let gatewayNode = try top.requireNode("gateway")
        let gateway = try parseGateway(try YAMLMappingReader(gatewayNode, path: "gateway", allowed: gatewayKeys))
        var config = ShimConfig(gateway: gateway, agents: [])
        if let node = top.node("listen") { config.listen = try parseListen(node, path: "listen") }
        if let node = top.node("shutdown") {
            let reader = try YAMLMappingReader(node, path: "shutdown", allowed: shutdownKeys)
            if let v = try reader.duration("drainDelay") { config.shutdown.drainDelay = v }
            if let v = try reader.duration("timeout") { config.shutdown.timeout = v }
        }
        if let node = top.node("metrics") {
            let reader = try YAMLMappingReader(node, path: "metrics", allowed: metricsKeys)
            if let listen = reader.node("listen") { config.metrics.listen = try parseListen(listen, path: "metrics.listen") }
            if let v = try reader.bool("agentLabel") { config.metrics.agentLabel = v }
        }
        if let node = top.node("sessions") {
            let reader = try YAMLMappingReader(node, path: "sessions", allowed: sessionKeys)
            if let v = try reader.bool("signInAtStartup") { config.sessions.signInAtStartup = v }
            if let v = try reader.bool("forceLogin") { config.sessions.forceLogin = v }
            if let v = try reader.bool("signOutOnShutdown") { config.sessions.signOutOnShutdown = v }
            if let v = try reader.duration("pollInterval") { config.sessions.pollInterval = v }
            if let v = try reader.int("signInConcurrency", in: 1...1024) { config.sessions.signInConcurrency = v }
            if let v = try reader.bool("keepSignedIn") { config.sessions.keepSignedIn = v }
        }
        if let node = top.node("skills") {
            let reader = try YAMLMappingReader(node, path: "skills", allowed: skillsKeys)
            if let choice = reader.node("default") { config.skills.defaultChoice = try EntryConfigParser.parseChoice(choice, path: "skills.default") }
            if let v = try reader.duration("configuredCacheTTL") { config.skills.configuredCacheTTL = v }
            if let v = try reader.duration("reapplyMaxBackoff", minimum: .milliseconds(10)) { config.skills.reapplyMaxBackoff = v }
        }
        if let node = top.node("bulk") {
            let reader = try YAMLMappingReader(node, path: "bulk", allowed: bulkKeys)
            if let v = try reader.int("concurrency", in: 1...1024) { config.bulk.concurrency = v }
            if let v = try reader.int("ratePerSecond", in: 1...100_000) { config.bulk.ratePerSecond = v }
            if let v = try reader.int("maxAgents", in: 1...100_000) { config.bulk.maxAgents = v }
        }
        if let node = top.node("logging") {
            let reader = try YAMLMappingReader(node, path: "logging", allowed: loggingKeys)
            if let level = try reader.choice("level", of: ShimConfig.LogLevel.self) { config.logging.level = level }
            if let format = try reader.string("format") {
                guard let value = ShimConfig.LogFormat(rawValue: format) else {
                    throw reader.fail("format", "must be json or text")
                }
                config.logging.format = value
            }
        }
        if let v = try top.bool("allowUnauthenticated") { config.allowUnauthenticated = v }
        if let node = top.node("limits") {
            let reader = try YAMLMappingReader(node, path: "limits", allowed: limitsKeys)
            if let v = try reader.int("maxInFlight", in: 1...1_000_000) { config.limits.maxInFlight = v }
            if let v = try reader.int("maxQueuedPerAgent", in: 1...1_000_000) { config.limits.maxQueuedPerAgent = v }
        }
        if let node = top.node("state") {
            let reader = try YAMLMappingReader(node, path: "state", allowed: stateKeys)
            if let directory = try reader.string("directory") {
                guard directory.hasPrefix("/") else { throw reader.fail("directory", "must be an absolute path") }
                config.state.directory = directory
            }
        }
        config.clients = try parseList(
            top, key: "clients", example: "- name: ...", identity: ("name", \.name, "client"), parse: EntryConfigParser.parseClient)
        if !config.listen.isLoopback, config.clients.isEmpty, !config.allowUnauthenticated {
            throw ConfigError(
                key: "clients", line: nil,
                problem:
                    "listen.host \(config.listen.host) is reachable from other machines but no clients are configured; add clients (bearer tokens) or set allowUnauthenticated: true"
            )
        }
        config.agents = try parseList(
            top, key: "agents", example: "- id: ...", identity: ("id", \.id.rawValue, "agent"), parse: EntryConfigParser.parseAgent)
        for index in config.agents.indices where config.agents[index].skills == nil {
            config.agents[index].skills = config.skills.defaultChoice
        }
        if let node = top.node("events") { config.events = try EventsConfigParser.parse(node) }
        if let node = top.node("cluster") { config.cluster = try ClusterConfigParser.parseCluster(node, config: config) }
        return config
    }

    /// A list of entries (`agents`, `clients`, `events.webhooks`), each parsed by `parse`, with no two
    /// sharing the identity field (`id`, `name`).
    static func parseList<T>(
        _ top: YAMLMappingReader, key: String, example: String, identity: (field: String, value: (T) -> String, noun: String),
        parse: (Node, String) throws(ConfigError) -> T
    ) throws(ConfigError) -> [T] {
        guard let node = top.node(key) else { return [] }
        guard case .sequence(let sequence) = node else { throw top.fail(key, "must be a list (\(example))") }
        var seen = Set<String>()
        var items: [T] = []
        for (index, item) in sequence.enumerated() {
            let path = "\(top.keyPath(key))[\(index)]"
            let parsed = try parse(item, path)
            let value = identity.value(parsed)
            guard seen.insert(value).inserted else {
                throw ConfigError(key: "\(path).\(identity.field)", line: item.mark?.line, problem: "\(identity.noun) \(value) is listed twice")
            }
            items.append(parsed)
        }
        return items
    }

    static func parseListen(_ node: Node, path: String) throws(ConfigError) -> ShimConfig.Listen {
        let reader = try YAMLMappingReader(node, path: path, allowed: listenKeys)
        var listen = ShimConfig.Listen()
        if let tls = reader.node("tls") {
            let tlsReader = try YAMLMappingReader(tls, path: "\(path).tls", allowed: tlsKeys)
            listen.tls = ShimConfig.TLSFiles(certFile: try tlsReader.requireString("certFile"), keyFile: try tlsReader.requireString("keyFile"))
        }
        if let host = try reader.string("host") {
            guard !host.isEmpty else { throw reader.fail("host", "must not be empty") }
            listen.host = host
        }
        if let port = try reader.int("port", in: 0...65535) { listen.port = port }
        return listen
    }

    static func parseGateway(_ reader: YAMLMappingReader) throws(ConfigError) -> ShimConfig.Gateway {
        let urlText = try reader.requireString("url")
        guard let url = GatewayURL(urlText) else {
            throw reader.fail("url", "must be https://host[:port] (or http:// for labs), without a path")
        }
        _ = try reader.requireNode("authMode")
        guard let mode = try reader.string("authMode").flatMap(ShimConfig.AuthMode.init(rawValue:)) else {
            throw reader.fail("authMode", "must be static (AUTHMODE=1) or dynamic (AUTHMODE=2)")
        }
        var gateway = ShimConfig.Gateway(url: url, authMode: mode)
        if let caFile = try reader.string("caFile") {
            guard !caFile.isEmpty else { throw reader.fail("caFile", "must not be empty") }
            guard url.isTLS else { throw reader.fail("caFile", "is set but gateway.url is not https://") }
            gateway.caFile = caFile
        }
        if let name = try reader.string("serverName") {
            guard !name.isEmpty, !name.contains("/"), !name.contains(" ") else { throw reader.fail("serverName", "must be a host name") }
            gateway.serverName = name
        }
        gateway.clientCertFile = try reader.string("clientCertFile")
        gateway.clientKeyFile = try reader.string("clientKeyFile")
        if (gateway.clientCertFile == nil) != (gateway.clientKeyFile == nil) {
            throw reader.fail(gateway.clientCertFile == nil ? "clientCertFile" : "clientKeyFile", "clientCertFile and clientKeyFile go together")
        }
        if let v = try reader.bool("insecureSkipVerify") { gateway.insecureSkipVerify = v }
        if gateway.insecureSkipVerify, gateway.caFile != nil {
            throw reader.fail("insecureSkipVerify", "cannot be combined with caFile; choose one")
        }
        let minimum = Duration.milliseconds(1)
        if let v = try reader.duration("connectTimeout", minimum: minimum) { gateway.connectTimeout = v }
        if let v = try reader.duration("requestTimeout", minimum: minimum) { gateway.requestTimeout = v }
        if let v = try reader.duration("pollTimeout", minimum: minimum) { gateway.pollTimeout = v }
        if let v = try reader.duration("unpolledSignOut", minimum: .seconds(1)) { gateway.unpolledSignOut = v }
        return gateway
    }

    static func describe(_ error: YamlError) -> ConfigError {
        switch error {
        case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _), .composer(_, let problem, let mark, _):
            return ConfigError(key: "", line: mark.line, problem: "is not valid YAML: \(problem)")
        case .reader(let problem, _, _, _):
            return ConfigError(key: "", line: nil, problem: "is not valid YAML: \(problem)")
        default:
            return ConfigError(key: "", line: nil, problem: "is not valid YAML")
        }
    }
}
