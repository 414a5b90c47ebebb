import Foundation
import ShimCore

/// Reads the secrets a config refers to: inline values, files, environment
/// variables. Errors name the key (`agents[0].passwordFile`) and never the value.
struct SecretResolver: Sendable {
    var environment: @Sendable (String) -> String? = { ProcessInfo.processInfo.environment[$0] }
    var readFile: @Sendable (String) throws -> Data = { try Data(contentsOf: URL(fileURLWithPath: $0)) }
    /// Whether a file can be read by its group or by others (a warning, not an error).
    var isShared: @Sendable (String) -> Bool = { path in
        var info = stat()
        guard stat(path, &info) == 0 else { return false }
        return info.st_mode & 0o044 != 0
    }

    /// The value of one secret; one trailing newline of a file is stripped.
    func resolve(_ source: SecretSource, key: String) throws(ConfigError) -> String {
        switch source {
        case .inline(let value):
            guard !value.isEmpty else { throw ConfigError(key: key, line: nil, problem: "must not be empty") }
            return value
        case .environment(let name):
            guard let value = environment(name) else {
                throw ConfigError(key: key, line: nil, problem: "names the environment variable \(name), which is not set")
            }
            guard !value.isEmpty else { throw ConfigError(key: key, line: nil, problem: "names the environment variable \(name), which is empty") }
            return value
        case .credential(let name):
            guard let directory = environment("CREDENTIALS_DIRECTORY"), !directory.isEmpty else {
                throw ConfigError(
                    key: key, line: nil,
                    problem: "names the credential \(name), but CREDENTIALS_DIRECTORY is not set (use LoadCredential= in the unit)")
            }
            return try resolve(.file(path: directory + "/" + name), key: key)
        case .file(let path):
            let data: Data
            do {
                data = try readFile(path)
            } catch {
                throw ConfigError(key: key, line: nil, problem: "cannot read the file \(path)")
            }
            guard var text = String(data: data, encoding: .utf8) else {
                throw ConfigError(key: key, line: nil, problem: "the file \(path) is not UTF-8 text")
            }
            if text.hasSuffix("\r\n") { text.removeLast(2) } else if text.hasSuffix("\n") { text.removeLast() }
            guard !text.isEmpty else { throw ConfigError(key: key, line: nil, problem: "the file \(path) is empty") }
            return text
        }
    }

    /// Every agent's password, by agent id.
    func passwords(for config: ShimConfig) throws(ConfigError) -> [AgentID: String] {
        var passwords: [AgentID: String] = [:]
        for agent in config.agents {
            passwords[agent.id] = try resolve(agent.password, key: "\(agent.keyPath).\(agent.password.key(prefix: "password"))")
        }
        return passwords
    }

    /// Every client's bearer token, by client name.
    func tokens(for config: ShimConfig) throws(ConfigError) -> [String: String] {
        var tokens: [String: String] = [:]
        for client in config.clients {
            tokens[client.name] = try resolve(client.token, key: "\(client.keyPath).\(client.token.key(prefix: "token"))")
        }
        return tokens
    }

    /// One line per secret file that its group or others can read.
    func permissionWarnings(for config: ShimConfig) -> [String] {
        var sources = config.agents.map { ($0.password, "\($0.keyPath).\($0.password.key(prefix: "password"))") }
        sources += config.clients.map { ($0.token, "\($0.keyPath).\($0.token.key(prefix: "token"))") }
        sources += config.events.webhooks.map { ($0.secret, "\($0.keyPath).\($0.secret.key(prefix: "secret"))") }
        if let cluster = config.cluster { sources.append((cluster.peerToken, "cluster.\(cluster.peerToken.key(prefix: "peerToken"))")) }
        return sources.compactMap { source, key in
            guard case .file(let path) = source, isShared(path) else { return nil }
            return "\(key): \(path) is readable by its group or others; chmod 600 it"
        }
    }
}
