import Foundation
import ShimCore
import Testing
import Yams

@testable import ShimServer

/// The 3-member Kubernetes recipe of a cluster (issue #11) agrees with the config it carries.
struct ClusterDeploymentTests {
    /// Every document of a multi-document YAML file.
    static func documents(_ path: String) throws -> [[String: Any]] {
        try Yams.load_all(yaml: DeploymentTests.read(path)).compactMap { $0 as? [String: Any] }
    }

    @Test func kubernetesClusterMatchesTheShimsConfig() throws {
        let documents = try Self.documents("deploy/kubernetes/cluster/deployment.yaml")
        let deployment = try #require(documents.first { $0["kind"] as? String == "Deployment" })
        let service = try #require(documents.first { $0["kind"] as? String == "Service" })
        #expect(documents.contains { $0["kind"] as? String == "PodDisruptionBudget" })
        let configMap = try DeploymentTests.yaml("deploy/kubernetes/cluster/config.yaml")
        let secret = try DeploymentTests.yaml("deploy/kubernetes/cluster/secret.yaml")

        let spec = try #require(deployment["spec"] as? [String: Any])
        #expect(spec["replicas"] as? Int == 3)
        let podSpec = try #require((spec["template"] as? [String: Any])?["spec"] as? [String: Any])
        let container = try #require((podSpec["containers"] as? [[String: Any]])?.first { $0["name"] as? String == "ccgw-shim" })

        // memberId and advertiseURL come from the pod's name and IP.
        let env = try #require(container["env"] as? [[String: Any]])
        var fieldRefs: [String: String] = [:]
        for entry in env {
            let path = ((entry["valueFrom"] as? [String: Any])?["fieldRef"] as? [String: Any])?["fieldPath"] as? String
            fieldRefs[entry["name"] as! String] = path
        }
        #expect(fieldRefs["POD_NAME"] == "metadata.name")
        #expect(fieldRefs["POD_IP"] == "status.podIP")
        let data = try #require(configMap["data"] as? [String: String])
        let parsed = try ConfigParser.parse(yaml: try #require(data["config.yaml"]))
        let cluster = try ClusterConfigParser.resolveCluster(try #require(parsed.cluster), listenTLS: parsed.listen.tls != nil) {
            ["POD_NAME": "ccgw-shim-5c9d-x2k4p", "POD_IP": "10.244.1.7"][$0]
        }
        #expect(cluster.memberID == "ccgw-shim-5c9d-x2k4p")
        #expect(cluster.etcd.endpoints.count == 3)

        // The API port is what the Service targets and what the members advertise.
        let ports = Dictionary(
            uniqueKeysWithValues: try #require(container["ports"] as? [[String: Any]]).map { ($0["name"] as! String, $0["containerPort"] as! Int) })
        #expect(ports["api"] == parsed.listen.port)
        #expect(cluster.advertiseURL == "http://10.244.1.7:\(parsed.listen.port)")
        #expect(parsed.listen.host == "0.0.0.0")
        #expect(!parsed.clients.isEmpty)  // a listener other pods reach needs callers with tokens
        let servicePorts = try #require((service["spec"] as? [String: Any])?["ports"] as? [[String: Any]])
        #expect(servicePorts.contains { $0["targetPort"] as? String == "api" })
        let ops = try #require(parsed.metrics.listen)
        #expect(ports["ops"] == ops.port)
        for probe in ["readinessProbe", "livenessProbe", "startupProbe"] {
            let httpGet = try #require((container[probe] as? [String: Any])?["httpGet"] as? [String: Any])
            #expect(httpGet["port"] as? String == "ops")
        }

        // Every secret file the config names is a key of the Secret, under its mount.
        let mounts = Dictionary(
            uniqueKeysWithValues: try #require(container["volumeMounts"] as? [[String: Any]]).map {
                ($0["name"] as! String, $0["mountPath"] as! String)
            })
        let secretKeys = Set(try #require(secret["stringData"] as? [String: String]).keys)
        var files: [String] = []
        if case .file(let path) = cluster.peerToken { files.append(path) } else { Issue.record("the peer token should be a file") }
        for client in parsed.clients { if case .file(let path) = client.token { files.append(path) } }
        for agent in parsed.agents { if case .file(let path) = agent.password { files.append(path) } }
        #expect(files.count == 2 + parsed.agents.count)
        for path in files {
            let url = URL(fileURLWithPath: path)
            #expect(url.deletingLastPathComponent().path == mounts["secrets"], "\(path)")
            #expect(secretKeys.contains(url.lastPathComponent), "\(path)")
        }
        let caFile = try #require(parsed.gateway.caFile)
        #expect(data[URL(fileURLWithPath: caFile).lastPathComponent] != nil)

        // The state directory (saved sessions and the lease id) is the pod's memory.
        let volumes = try #require(podSpec["volumes"] as? [[String: Any]])
        let state = try #require(volumes.first { $0["name"] as? String == "state" })
        #expect((state["emptyDir"] as? [String: Any])?["medium"] as? String == "Memory")
        #expect(parsed.state.directory == mounts["state"])
        // A member hands over within the grace period: drain, then the lease is revoked.
        let grace = try #require(podSpec["terminationGracePeriodSeconds"] as? Int)
        #expect(Duration.seconds(grace) > parsed.shutdown.drainDelay + parsed.shutdown.timeout)
    }
}
