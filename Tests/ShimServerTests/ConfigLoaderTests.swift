import Foundation
import ShimCore
import Testing

@testable import ShimServer

/// Secrets and files the config points at: read at start, errors name the key.
@Suite struct ConfigLoaderTests {
    static func yaml(agent: String) -> String {
        """
        gateway: {url: "https://gw.example:8043", authMode: dynamic}
        agents:
          - \(agent)
        """
    }

    func temporaryFile(_ content: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("ccgw-secret-\(UUID().uuidString)").path
        try Data(content.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    @Test func readsPasswordFilesStrippingOneNewline() throws {
        let path = try temporaryFile("s3cret\n\n")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let loaded = try ConfigLoader().load(yaml: Self.yaml(agent: "{id: \"1001\", phone: \"1\", passwordFile: \(path)}"))
        #expect(loaded.passwords[AgentID("1001")!] == "s3cret\n")
    }

    @Test func readsPasswordsFromTheEnvironment() throws {
        var loader = ConfigLoader()
        loader.secrets.environment = { $0 == "AGENT_PW" ? "from-env" : nil }
        let loaded = try loader.load(yaml: Self.yaml(agent: "{id: \"1001\", phone: \"1\", passwordEnv: AGENT_PW}"))
        #expect(loaded.passwords[AgentID("1001")!] == "from-env")
    }

    @Test(arguments: [
        ("{id: \"1001\", phone: \"1\", passwordFile: /nonexistent/ccgw/secret}", "agents[0].passwordFile", "cannot read"),
        ("{id: \"1001\", phone: \"1\", passwordEnv: CCGW_TEST_SURELY_UNSET}", "agents[0].passwordEnv", "not set"),
        ("{id: \"1001\", phone: \"1\", password: \"\"}", "agents[0].password", "empty"),
    ])
    func refusesUnusableSecrets(agent: String, key: String, fragment: String) {
        #expect {
            _ = try ConfigLoader().load(yaml: Self.yaml(agent: agent))
        } throws: { error in
            guard let error = error as? ConfigError else { return false }
            return error.key == key && error.problem.contains(fragment)
        }
    }

    @Test func refusesAnUnusableCAFile() throws {
        let path = try temporaryFile("not a certificate")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let yaml = "gateway: {url: \"https://gw:8043\", authMode: static, caFile: \(path)}\n"
        #expect {
            _ = try ConfigLoader().load(yaml: yaml)
        } throws: { error in
            (error as? ConfigError)?.key == "gateway.caFile" && !"\(error)".contains("not a certificate")
        }
    }
}
