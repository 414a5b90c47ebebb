import Foundation
import Testing

@testable import ShimCore

@Suite struct ConfigParserTests {
    static let minimal = """
        gateway:
          url: https://gw.example:8043
          authMode: static
        agents:
          - id: "1001"
            phone: "70001"
            password: secret
        """

    @Test func loadsTheShippedExample() throws {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../config/example.yaml")
        let config = try ConfigParser.parse(yaml: try String(contentsOf: url, encoding: .utf8))
        #expect(config.gateway.url.description == "https://cc-gateway.example.com:8043")
        #expect(config.gateway.authMode == .dynamic)
        #expect(config.gateway.pollTimeout == .seconds(15))
        #expect(config.sessions.pollInterval == .milliseconds(300))
        #expect(config.sessions.signInConcurrency == 16)
        #expect(config.agents.map(\.id.rawValue) == ["1001", "1002"])
        #expect(config.agents[0].password == .file(path: "/run/secrets/agent-1001"))
        #expect(config.agents[1].password == .environment(name: "CCGW_AGENT_1002_PASSWORD"))
        #expect(config.agents[0].signIn == [.init(name: "status", value: .integer(4)), .init(name: "autoanswer", value: .bool(true))])
        #expect(config.logging == .init(level: .info, format: .json))
    }

    @Test func appliesDefaults() throws {
        let config = try ConfigParser.parse(yaml: Self.minimal)
        #expect(config.listen == .init())
        #expect(config.listen.port == 8080 && config.listen.host == "127.0.0.1")
        #expect(config.gateway.connectTimeout == .seconds(2) && config.gateway.requestTimeout == .seconds(10))
        #expect(config.sessions == .init())
        #expect(config.agents[0].password == .inline("secret"))
    }

    @Test(arguments: [
        ("gateway:\n  url: https://gw:8043\n  authMode: static\n  pollTimout: 15s\n", "gateway.pollTimout", 4),
        ("gateway:\n  url: https://gw:8043\n  authMode: static\nlisten: {host: 127.0.0.1, prot: 1}\n", "listen.prot", 4),
        ("gateway:\n  url: https://gw:8043\n", "gateway.authMode", nil),
        ("gateway:\n  authMode: static\n", "gateway.url", nil),
        ("gateway:\n  url: ftp://gw\n  authMode: static\n", "gateway.url", 2),
        ("gateway:\n  url: https://gw:8043\n  authMode: AUTHMODE2\n", "gateway.authMode", 3),
        ("gateway:\n  url: https://gw:8043\n  authMode: static\n  requestTimeout: 10\n", "gateway.requestTimeout", 4),
        ("gateway:\n  url: https://gw:8043\n  authMode: static\n  requestTimeout: 1.5s\n", "gateway.requestTimeout", 4),
        ("gateway:\n  url: http://gw:8043\n  authMode: static\n  caFile: /x.pem\n", "gateway.caFile", 4),
        ("gateway:\n  url: https://gw:8043\n  authMode: static\nsessions:\n  forceLogin: yes please\n", "sessions.forceLogin", 5),
        ("gateway:\n  url: https://gw:8043\n  authMode: static\nlogging: {level: verbose}\n", "logging.level", 4),
        ("gateway:\n  url: https://gw:8043\n  authMode: static\nsessions:\n  signInConcurrency: 0\n", "sessions.signInConcurrency", 5),
        ("gateway:\n  url: https://gw:8043\n  authMode: static\nagents:\n  - id: \"0101\"\n    phone: \"1\"\n    password: x\n", "agents[0].id", 5),
        ("gateway:\n  url: https://gw:8043\n  authMode: static\nagents:\n  - id: \"1001\"\n    phone: \"1\"\n", "agents[0]", 5),
        (
            "gateway:\n  url: https://gw:8043\n  authMode: static\nagents:\n  - id: \"1001\"\n    phone: \"1\"\n    password: x\n    passwordEnv: Y\n",
            "agents[0]", 5
        ),
        (
            "gateway:\n  url: https://gw:8043\n  authMode: static\nagents:\n  - {id: \"1001\", phone: \"1\", password: x}\n  - {id: \"1001\", phone: \"2\", password: y}\n",
            "agents[1].id", 6
        ),
        (
            "gateway:\n  url: https://gw:8043\n  authMode: static\nagents:\n  - {id: \"1001\", phone: \"1\", password: x, signIn: {password: y}}\n",
            "agents[0].signIn.password", 5
        ),
        ("gateway: [1, 2\n", "", 2),
        ("", "", nil),
    ])
    func namesTheKeyAndLine(yaml: String, key: String, line: Int?) {
        #expect {
            _ = try ConfigParser.parse(yaml: yaml)
        } throws: { error in
            guard let error = error as? ConfigError else { return false }
            return error.key == key && (line == nil || error.line == line) && !error.description.contains("\n")
        }
    }

    @Test(arguments: [("250ms", Duration.milliseconds(250)), ("2s", .seconds(2)), ("1m", .seconds(60)), ("1h", .seconds(3600)), ("0s", .zero)])
    func parsesDurations(text: String, expected: Duration) {
        #expect(DurationText.parse(text) == expected)
        #expect(DurationText.parse(DurationText.format(expected)) == expected)
    }

    @Test(arguments: ["", "s", "2", "2 s", "-1s", "1.5s", "2d", "ms"])
    func rejectsBadDurations(text: String) {
        #expect(DurationText.parse(text) == nil)
    }

    @Test(arguments: [
        ("https://gw.example:8043", "https://gw.example:8043"), ("https://gw.example", "https://gw.example:443"),
        ("http://10.0.0.5:8000/", "http://10.0.0.5:8000"), ("https://[::1]:8043", "https://[::1]:8043"),
    ])
    func parsesGatewayURLs(text: String, expected: String) {
        #expect(GatewayURL(text)?.description == expected)
    }

    @Test(arguments: ["gw:8043", "https://", "https://gw:0", "https://gw:70000", "https://gw/agentgateway", "https://u@gw"])
    func rejectsGatewayURLs(text: String) {
        #expect(GatewayURL(text) == nil)
    }
}
