import Foundation
import Testing
import Yams

/// The Kubernetes recipes (`deploy/kubernetes/`): a cluster of the first release with
/// native sidecars (1.29) and of the newest release the validator knows would accept them
/// (`kubernetes-validate --strict`, offline schemas, from PyPI; `.ci/run` installs it),
/// and they are hardened.
@Suite struct KubernetesManifestTests {
    static let files = [
        "ccgw-shim-config.yaml", "ccgw-shim-secret.yaml", "pod.yaml", "cluster/config.yaml", "cluster/deployment.yaml", "cluster/secret.yaml",
    ]
    .map { DeploymentTests.root.appendingPathComponent("deploy/kubernetes/\($0)").path }

    static func validate(_ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-m", "kubernetes_validate", "--strict"] + arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, output)
    }

    @Test(arguments: [["-k", "1.29"], []])  // [] is the newest version it knows
    func everyManifestIsValid(version: [String]) throws {
        let (status, output) = try Self.validate(version + Self.files)
        #expect(status == 0, "\(output)")
        #expect(output.components(separatedBy: " passed ").count - 1 == 9, "\(output)")  // 9 resources
    }

    /// The validator does refuse what a cluster would refuse (so the test above can fail).
    @Test func aManifestWithAnUnknownFieldIsRefused() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("ccgw-bad-\(UUID().uuidString).yaml").path
        let pod = try DeploymentTests.read("deploy/kubernetes/pod.yaml").replacingOccurrences(
            of: "readOnlyRootFilesystem:", with: "readOnlyRootFileSystem:")
        try pod.write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let (status, _) = try Self.validate(["-k", "1.29", path])
        #expect(status != 0)
    }

    /// Every pod runs with the runtime's seccomp profile, no service-account token, CPU and
    /// memory requests and limits, a read-only root filesystem, no privilege escalation and
    /// no capabilities; the cluster's members are behind a NetworkPolicy.
    @Test func everyPodIsHardened() throws {
        let pod = try DeploymentTests.yaml("deploy/kubernetes/pod.yaml")
        let documents = try Yams.load_all(yaml: try DeploymentTests.read("deploy/kubernetes/cluster/deployment.yaml")).compactMap {
            $0 as? [String: Any]
        }
        let deployment = try #require(documents.first { $0["kind"] as? String == "Deployment" })
        let template = try #require(((deployment["spec"] as? [String: Any])?["template"] as? [String: Any])?["spec"] as? [String: Any])
        for spec in [try #require(pod["spec"] as? [String: Any]), template] {
            #expect(spec["automountServiceAccountToken"] as? Bool == false)
            #expect(((spec["securityContext"] as? [String: Any])?["seccompProfile"] as? [String: Any])?["type"] as? String == "RuntimeDefault")
            let containers = ((spec["initContainers"] as? [[String: Any]]) ?? []) + ((spec["containers"] as? [[String: Any]]) ?? [])
            #expect(!containers.isEmpty)
            for container in containers {
                let name = container["name"] as? String ?? "?"
                let resources = container["resources"] as? [String: Any]
                for kind in ["requests", "limits"] {
                    let values = resources?[kind] as? [String: Any]
                    #expect(values?["cpu"] != nil && values?["memory"] != nil, "\(name): \(kind)")
                }
                let security = container["securityContext"] as? [String: Any]
                #expect(security?["readOnlyRootFilesystem"] as? Bool == true, "\(name)")
                #expect(security?["allowPrivilegeEscalation"] as? Bool == false, "\(name)")
                #expect(security?["runAsNonRoot"] as? Bool == true, "\(name)")
                #expect(((security?["capabilities"] as? [String: Any])?["drop"] as? [String]) == ["ALL"], "\(name)")
            }
        }
        let policy = try #require(documents.first { $0["kind"] as? String == "NetworkPolicy" })
        let policySpec = try #require(policy["spec"] as? [String: Any])
        #expect(((policySpec["podSelector"] as? [String: Any])?["matchLabels"] as? [String: String]) == ["app": "ccgw-shim"])
        #expect(Set(policySpec["policyTypes"] as? [String] ?? []) == ["Ingress", "Egress"])
        // The members reach each other on the API port, and etcd.
        let egress = "\(policySpec["egress"] ?? "")"
        #expect(egress.contains("2379") && egress.contains("8080"))
    }
}
