import Foundation
import Testing

@testable import ShimCore

/// The `cluster:` section (issue #11): defaults, and one line naming the key for each mistake.
struct ClusterConfigTests {
    static func yaml(_ cluster: String, listen: String = "", unpolled: String = "") -> String {
        """
        \(listen)gateway: {url: "https://gw.example:8043", authMode: dynamic\(unpolled)}
        agents:
          - {id: "1001", phone: "1", password: x}
        cluster:
        \(cluster)
        """
    }

    static let valid = """
          memberId: shim-a
          advertiseURL: http://10.0.0.5:8080
          peerTokenFile: /etc/ccgw-shim/peer-token
          etcd: {endpoints: ["http://10.0.0.1:2379", "http://10.0.0.2:2379"]}
        """

    @Test func defaultsAndRequiredKeys() throws {
        let config = try ConfigParser.parse(yaml: Self.yaml(Self.valid))
        let cluster = try #require(config.cluster)
        #expect(cluster.memberID == "shim-a")
        #expect(cluster.advertiseURL == "http://10.0.0.5:8080")
        #expect(cluster.peerToken == .file(path: "/etc/ccgw-shim/peer-token"))
        #expect(cluster.leaseTTL == .seconds(15))
        #expect(cluster.prefix == "/ccgw-shim")
        #expect(cluster.claimRate == 20)
        #expect(cluster.etcd.endpoints == ["http://10.0.0.1:2379", "http://10.0.0.2:2379"])
        #expect(try ConfigParser.parse(yaml: ConfigParserTests.minimal).cluster == nil)
    }

    @Test(arguments: [
        ("  advertiseURL: http://10.0.0.5:8080\n  peerTokenEnv: T\n  etcd: {endpoints: [\"http://e:2379\"]}", "cluster.memberId"),
        ("  memberId: a b\n  advertiseURL: http://10.0.0.5:8080\n  peerTokenEnv: T\n  etcd: {endpoints: [\"http://e:2379\"]}", "cluster.memberId"),
        ("  memberId: a\n  advertiseURL: 10.0.0.5:8080\n  peerTokenEnv: T\n  etcd: {endpoints: [\"http://e:2379\"]}", "cluster.advertiseURL"),
        ("  memberId: a\n  advertiseURL: http://h:8080/x\n  peerTokenEnv: T\n  etcd: {endpoints: [\"http://e:2379\"]}", "cluster.advertiseURL"),
        ("  memberId: a\n  advertiseURL: https://h:8080\n  peerTokenEnv: T\n  etcd: {endpoints: [\"http://e:2379\"]}", "cluster.advertiseURL"),
        ("  memberId: a\n  advertiseURL: http://h:8080\n  etcd: {endpoints: [\"http://e:2379\"]}", "cluster (line"),
        (
            "  memberId: a\n  advertiseURL: http://h:8080\n  peerTokenEnv: T\n  peerTokenFile: /t\n  etcd: {endpoints: [\"http://e:2379\"]}",
            "cluster (line"
        ),
        ("  memberId: a\n  advertiseURL: http://h:8080\n  peerTokenEnv: T", "cluster.etcd"),
        ("  memberId: a\n  advertiseURL: http://h:8080\n  peerTokenEnv: T\n  etcd: {endpoints: []}", "cluster.etcd.endpoints"),
        ("  memberId: a\n  advertiseURL: http://h:8080\n  peerTokenEnv: T\n  etcd: {endpoints: [\"e:2379\"]}", "cluster.etcd.endpoints[0]"),
        (
            "  memberId: a\n  advertiseURL: http://h:8080\n  peerTokenEnv: T\n  etcd: {endpoints: [\"http://e:2379\"], caFile: /ca.pem}",
            "cluster.etcd.caFile"
        ),
        (
            "  memberId: a\n  advertiseURL: http://h:8080\n  peerTokenEnv: T\n  etcd: {endpoints: [\"https://e:2379\"], certFile: /c.pem}",
            "cluster.etcd.keyFile"
        ),
        (
            "  memberId: a\n  advertiseURL: http://h:8080\n  peerTokenEnv: T\n  leaseTTL: 1s\n  etcd: {endpoints: [\"http://e:2379\"]}",
            "cluster.leaseTTL"
        ),
        (
            "  memberId: a\n  advertiseURL: http://h:8080\n  peerTokenEnv: T\n  leaseTTL: 90s\n  etcd: {endpoints: [\"http://e:2379\"]}",
            "cluster.leaseTTL"
        ),
        (
            "  memberId: a\n  advertiseURL: http://h:8080\n  peerTokenEnv: T\n  leaseTTL: 2500ms\n  etcd: {endpoints: [\"http://e:2379\"]}",
            "cluster.leaseTTL"
        ),
        (
            "  memberId: a\n  advertiseURL: http://h:8080\n  peerTokenEnv: T\n  prefix: ccgw\n  etcd: {endpoints: [\"http://e:2379\"]}",
            "cluster.prefix"
        ),
        (
            "  memberId: a\n  advertiseURL: http://h:8080\n  peerTokenEnv: T\n  prefix: /ccgw/\n  etcd: {endpoints: [\"http://e:2379\"]}",
            "cluster.prefix"
        ),
        (
            "  memberId: a\n  advertiseURL: http://h:8080\n  peerTokenEnv: T\n  claimRate: 0\n  etcd: {endpoints: [\"http://e:2379\"]}",
            "cluster.claimRate"
        ),
        (
            "  memberId: a\n  advertiseURL: http://h:8080\n  peerTokenEnv: T\n  leaseTime: 5s\n  etcd: {endpoints: [\"http://e:2379\"]}",
            "cluster.leaseTime"
        ),
    ])
    func mistakesNameTheKey(cluster: String, key: String) {
        #expect {
            try ConfigParser.parse(yaml: Self.yaml(cluster))
        } throws: { error in
            "\(error)".contains(key)
        }
    }

    @Test func theLeaseMustBeWellUnderTheUnpolledSignOut() throws {
        let cluster = Self.valid + "\n  leaseTTL: 20s"
        #expect(throws: ConfigError.self) { try ConfigParser.parse(yaml: Self.yaml(cluster, unpolled: ", unpolledSignOut: 50s")) }
        #expect(try ConfigParser.parse(yaml: Self.yaml(cluster, unpolled: ", unpolledSignOut: 60s")).cluster?.leaseTTL == .seconds(20))
    }

    @Test func httpsAdvertisingNeedsATLSListener() throws {
        let cluster = Self.valid.replacingOccurrences(of: "http://10.0.0.5:8080", with: "https://10.0.0.5:8443")
        let listen = "listen: {host: 127.0.0.1, port: 8443, tls: {certFile: /c.pem, keyFile: /k.pem}}\n"
        #expect(try ConfigParser.parse(yaml: Self.yaml(cluster, listen: listen)).cluster?.advertiseURL == "https://10.0.0.5:8443")
        #expect(throws: ConfigError.self) { try ConfigParser.parse(yaml: Self.yaml(Self.valid, listen: listen)) }
    }
}

/// `${NAME}` in `cluster.memberId` and `cluster.advertiseURL` (a pod's name and IP).
struct ClusterEnvironmentTests {
    static let env = ["POD_NAME": "ccgw-shim-7d9f-abcde", "POD_IP": "10.1.2.3"]

    @Test func podNameAndAddressComeFromTheEnvironment() throws {
        let yaml = ClusterConfigTests.yaml(
            """
              memberId: ${POD_NAME}
              advertiseURL: http://${POD_IP}:8080
              peerTokenEnv: T
              etcd: {endpoints: ["http://e:2379"]}
            """)
        let parsed = try #require(try ConfigParser.parse(yaml: yaml).cluster)
        #expect(parsed.memberID == "${POD_NAME}")
        let resolved = try ClusterConfigParser.resolveCluster(parsed, listenTLS: false) { Self.env[$0] }
        #expect(resolved.memberID == "ccgw-shim-7d9f-abcde")
        #expect(resolved.advertiseURL == "http://10.1.2.3:8080")
    }

    @Test(arguments: [
        ("${POD_NAME}", "http://${UNSET}:8080", "cluster.advertiseURL"),
        ("${UNSET}", "http://h:8080", "cluster.memberId"),
        ("${POD_NAME", "http://h:8080", "cluster.memberId"),
        ("${POD_IP}x y", "http://h:8080", "cluster.memberId"),
        ("${POD_NAME}", "http://${POD_IP}", "cluster.advertiseURL"),
    ])
    func unsetOrBadValuesNameTheKey(member: String, url: String, key: String) {
        let cluster = ShimConfig.Cluster(
            memberID: member, advertiseURL: url, peerToken: .environment(name: "T"), etcd: .init(endpoints: ["http://e:2379"]))
        #expect {
            try ClusterConfigParser.resolveCluster(cluster, listenTLS: false) { Self.env[$0] }
        } throws: { error in
            "\(error)".contains(key)
        }
    }
}
