import Foundation
import ShimCore
import ShimServer
import Testing
import Yams

/// The shipped deployment files agree with the binary's defaults and with each other.
@Suite struct DeploymentTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../..").standardized

    static func read(_ path: String) throws -> String {
        try String(contentsOf: root.appendingPathComponent(path), encoding: .utf8)
    }

    static func yaml(_ path: String) throws -> [String: Any] {
        try #require(try Yams.load(yaml: read(path)) as? [String: Any])
    }

    /// `config/example.yaml` says every key is shown: every key of the configuration
    /// reference (docs/configuration.md) appears in it (as `name:`, commented out or not), and the
    /// example parses apart from its placeholder secrets.
    @Test func theExampleConfigShowsEveryKeyTheReferenceDocuments() throws {
        let reference = try Self.read("docs/configuration.md")
        let example = try Self.read("config/example.yaml")
        let table = reference.components(separatedBy: "\n## Reference").dropFirst().first?.components(separatedBy: "\n## ").first ?? ""
        let keys = table.split(separator: "\n").compactMap { line -> String? in
            guard line.hasPrefix("| `"), let end = line.dropFirst(3).firstIndex(of: "`") else { return nil }
            return String(line[line.index(line.startIndex, offsetBy: 3)..<end])
        }
        #expect(keys.count > 40)
        for key in keys {
            // `agents[].password` / `passwordFile` …: the first name stands for the group.
            let name = key.split(separator: ".").last.map { String($0.replacingOccurrences(of: "[]", with: "")) } ?? key
            #expect(example.contains("\(name):"), "config/example.yaml lacks \(key)")
        }
    }

    @Test func kubernetesSidecarMatchesTheShimsConfigAndDefaults() throws {
        let pod = try Self.yaml("deploy/kubernetes/pod.yaml")
        let configMap = try Self.yaml("deploy/kubernetes/ccgw-shim-config.yaml")
        let secret = try Self.yaml("deploy/kubernetes/ccgw-shim-secret.yaml")
        let spec = try #require(pod["spec"] as? [String: Any])
        let sidecar = try #require((spec["initContainers"] as? [[String: Any]])?.first { $0["name"] as? String == "ccgw-shim" })
        #expect(sidecar["restartPolicy"] as? String == "Always")  // native sidecar

        let data = try #require(configMap["data"] as? [String: String])
        let config = try ConfigParser.parse(yaml: try #require(data["config.yaml"]))

        // Ports: the API on loopback at the default port, probes and scrapes on the ops listener.
        let ports = Dictionary(
            uniqueKeysWithValues: try #require(sidecar["ports"] as? [[String: Any]]).map { ($0["name"] as! String, $0["containerPort"] as! Int) })
        #expect(ports["api"] == config.listen.port)
        #expect(config.listen.port == ShimConfig.Listen().port)
        #expect(config.listen.host == "127.0.0.1")
        let ops = try #require(config.metrics.listen)
        #expect(ports["ops"] == ops.port)
        #expect(ops.host == "0.0.0.0")
        for (probe, path) in [
            ("readinessProbe", HealthRoutes.readinessPath), ("livenessProbe", HealthRoutes.livenessPath),
            ("startupProbe", HealthRoutes.readinessPath),
        ] {
            let httpGet = try #require((sidecar[probe] as? [String: Any])?["httpGet"] as? [String: Any])
            #expect(httpGet["path"] as? String == path)
            #expect(httpGet["port"] as? String == "ops")
        }
        let annotations = try #require((pod["metadata"] as? [String: Any])?["annotations"] as? [String: String])
        #expect(annotations["prometheus.io/port"] == String(ops.port))
        #expect(annotations["prometheus.io/path"] == HealthRoutes.metricsPath)

        // Files: the config where the binary looks by default, passwords from the Secret's keys.
        let mounts = Dictionary(
            uniqueKeysWithValues: try #require(sidecar["volumeMounts"] as? [[String: Any]]).map {
                ($0["name"] as! String, $0["mountPath"] as! String)
            })
        let args = try #require(sidecar["args"] as? [String])
        let configPath = try #require(args.firstIndex(of: "--config").map { args[$0 + 1] })
        #expect(configPath == ShimDefaults.configPath)
        #expect(configPath == mounts["config"]! + "/config.yaml")
        let secretKeys = Set(try #require(secret["stringData"] as? [String: String]).keys)
        for agent in config.agents {
            guard case .file(let path) = agent.password else { Issue.record("agent \(agent.id) should read a file"); continue }
            let url = URL(fileURLWithPath: path)
            #expect(url.deletingLastPathComponent().path == mounts["passwords"])
            #expect(secretKeys.contains(url.lastPathComponent))
        }
        let caFile = try #require(config.gateway.caFile)
        #expect(URL(fileURLWithPath: caFile).deletingLastPathComponent().path == mounts["config"])
        #expect(data[URL(fileURLWithPath: caFile).lastPathComponent] != nil)
        #expect(config.shutdown.drainDelay > .zero)
        // The saved sessions live in the pod's in-memory emptyDir (issue #10).
        let volumes = try #require(spec["volumes"] as? [[String: Any]])
        let state = try #require(volumes.first { $0["name"] as? String == "state" })
        #expect((state["emptyDir"] as? [String: Any])?["medium"] as? String == "Memory")
        #expect(config.state.directory == mounts["state"])
        #expect(config.sessions.signOutOnShutdown == false)
    }

    @Test func containerfileBuildsTheStaticBinaryAndRunsAsNonRoot() throws {
        let text = try Self.read("deploy/container/Containerfile")
        #expect(text.contains("--static-swift-stdlib"))
        #expect(text.contains("-c release"))
        #expect(text.components(separatedBy: "\nFROM ").count == 3)  // multi-stage: build + runtime
        #expect(text.contains("ca-certificates"))
        let user = try #require(text.split(separator: "\n").last { $0.hasPrefix("USER ") })
        #expect(!user.contains("root") && !user.hasSuffix(" 0") && !user.contains(" 0:"))
        #expect(text.contains("EXPOSE 8080 9090"))
        #expect(text.contains(#"CMD ["run", "--config", "\#(ShimDefaults.configPath)"]"#))
    }

    @Test func systemdUnitVerifiesAndIsHardened() throws {
        let unit = try Self.read("deploy/systemd/ccgw-shim.service")
        #expect(unit.contains("Type=notify"))
        #expect(unit.contains("WatchdogSec="))
        #expect(unit.contains("ExecReload=/bin/kill -HUP $MAINPID"))
        #expect(unit.contains("Restart=on-failure"))
        #expect(unit.contains("DynamicUser=yes"))
        #expect(unit.contains("ConfigurationDirectory=ccgw-shim"))
        #expect(unit.contains("LoadCredential="))
        #expect(unit.contains("StateDirectory=ccgw-shim\n"))
        #expect(unit.contains("StateDirectoryMode=0700"))
        #expect(unit.contains("--config \(ShimDefaults.configPath)"))

        let analyze = "/usr/bin/systemd-analyze"
        try #require(FileManager.default.isExecutableFile(atPath: analyze), ".ci/run installs systemd for this check")
        // verify checks that ExecStart exists: point it at the binary this test run built.
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("unit-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let unitPath = directory.appendingPathComponent("ccgw-shim.service").path
        try Data(unit.replacingOccurrences(of: "/usr/local/bin/ccgw-shim", with: BinaryTests.binary).utf8).write(to: URL(fileURLWithPath: unitPath))
        let verify = try Self.run(analyze, ["verify", unitPath])
        #expect(verify.status == 0, "\(verify.output)")

        let security = try Self.run(analyze, ["security", "--offline=true", unitPath])
        let overall = try #require(security.output.split(separator: "\n").first { $0.contains("Overall exposure level") })
        let score = try #require(overall.split(separator: " ").compactMap { Double($0) }.first)
        #expect(score <= 1.5, "\(overall)")
    }

    /// The .deb's config (deploy/debian/config.yaml) parses, reads every password as a
    /// systemd credential that the packaged unit loads, and keeps sessions across restarts
    /// (the unit's `StateDirectory=`). scripts/test-packages.sh checks it installed.
    @Test func thePackagedConfigMatchesTheUnit() throws {
        let config = try ConfigParser.parse(yaml: try Self.read("deploy/debian/config.yaml"))
        let unit = try Self.read("deploy/systemd/ccgw-shim.service")
        #expect(!config.agents.isEmpty)
        for agent in config.agents {
            guard case .credential(let name) = agent.password else {
                Issue.record("agent \(agent.id) should read a systemd credential")
                continue
            }
            #expect(unit.contains("\nLoadCredential=\(name):/etc/ccgw-shim/credentials/\(name)\n"), "the unit does not load \(name)")
        }
        #expect(config.sessions.signOutOnShutdown == false)
        #expect(config.state.directory == nil)  // $STATE_DIRECTORY from the unit
        #expect(config.listen.host == "127.0.0.1")
    }

    /// The README's smallest config is a valid config.
    @Test func theReadmesConfigParses() throws {
        let readme = try Self.read("README.md")
        let block = try #require(readme.components(separatedBy: "```yaml\n").dropFirst().first?.components(separatedBy: "```").first)
        let config = try ConfigParser.parse(yaml: block)
        #expect(config.agents.map(\.id.rawValue) == ["1001"])
        #expect(config.gateway.authMode == .dynamic)
    }

    /// Every relative link in the README and docs/ leads to a file that exists, and every
    /// `#anchor` to a heading of that file (GitHub's heading ids).
    @Test func documentationLinksResolve() throws {
        let docs = try FileManager.default.contentsOfDirectory(atPath: Self.root.appendingPathComponent("docs").path)
        let files = ["README.md"] + docs.filter { $0.hasSuffix(".md") }.sorted().map { "docs/\($0)" }
        #expect(files.count >= 12)
        let link = #/\]\(([^)\s]+)\)/#
        var checked = 0
        for file in files {
            let text = try Self.read(file)
            let directory = Self.root.appendingPathComponent(file).deletingLastPathComponent()
            for match in text.matches(of: link) {
                let target = String(match.output.1)
                guard !target.hasPrefix("http"), !target.hasPrefix("mailto:"), !target.contains("shared/") else { continue }
                let parts = target.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
                let url = parts[0].isEmpty ? Self.root.appendingPathComponent(file) : directory.appendingPathComponent(parts[0]).standardized
                #expect(FileManager.default.fileExists(atPath: url.path), "\(file) links to \(target), which does not exist")
                checked += 1
                guard parts.count == 2, url.pathExtension == "md", let linked = try? String(contentsOf: url, encoding: .utf8) else { continue }
                let anchors = Set(linked.split(separator: "\n").filter { $0.hasPrefix("#") }.map { Self.headingID(String($0.drop { $0 == "#" })) })
                #expect(anchors.contains(parts[1]), "\(file) links to \(target): no such heading")
            }
        }
        #expect(checked > 30)
    }

    /// GitHub's id for a heading: lowercased, spaces to hyphens, punctuation other than
    /// `-` and `_` dropped.
    static func headingID(_ heading: String) -> String {
        let text = heading.trimmingCharacters(in: .whitespaces).lowercased()
        return String(text.compactMap { $0 == " " ? "-" : ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") ? $0 : nil })
    }

    static func run(_ executable: String, _ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}
