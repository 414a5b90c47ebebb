import Foundation
import GatewaySimulator
import ShimCore
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Sessions that outlive the process (issue #10), the rules around them: what is and
/// is not the shim's own session after a restart, graceful restarts, and state the
/// shim cannot use. A second serialized suite beside `RestartTests`, so the two run
/// side by side.
@Suite(.serialized, .timeLimit(.minutes(3))) struct RestartPolicyTests {
    /// 100-002 is someone else's session unless the saved state proves it ours.
    @Test(arguments: ["none", "stale"])
    func someoneElsesSessionIsLeftAlone(state: String) async throws {
        try await withRestartRig { rig in
            if state == "stale" {
                var saved = SavedState(gatewayURL: "https://127.0.0.1:\(rig.gatewayPort)", authMode: "dynamic")
                saved.sessions[AgentID("3001")!] = SavedSession(guid: nil, cookies: nil, signIn: "x", phone: "73001", contactAt: 1_000)
                let path = rig.stateDirectory + "/sessions.json"
                try Data(saved.encoded().utf8).write(to: URL(fileURLWithPath: path))
                chmod(path, 0o600)
            }
            await rig.gateway.signInElsewhere("3001")
            try await rig.start(rig.yaml())
            let reply = try await rig.resetSkill("3001")
            #expect(reply.status == 409)
            #expect(reply.errorCode == "agent_signed_in_elsewhere")
            #expect(await rig.calls("forceLogin").isEmpty)
        }
    }

    @Test func aSessionDisplacedWhileDownIsNotTakenBack() async throws {
        try await withRestartRig { rig in
            try await rig.start(rig.yaml())
            try await rig.signInAll()
            rig.kill9()
            await rig.gateway.displace("3001")  // someone else forcelogins meanwhile: our GUID now answers 100-006
            let mark = await rig.mark()
            try await rig.start(rig.yaml())
            let reply = try await rig.resetSkill("3001")
            #expect(reply.status == 409)
            #expect(await rig.calls("forceLogin", after: mark).isEmpty)
            #expect(try await rig.resetSkill("3002").status == 200)  // the others resumed
            #expect(await rig.calls("login", after: mark).filter { $0.agentID == "3002" }.isEmpty)
        }
    }

    @Test(arguments: [false, true])
    func gracefulRestart(signOut: Bool) async throws {
        try await withRestartRig { rig in
            let yaml = rig.yaml(sessions: "signInAtStartup: false, signOutOnShutdown: \(signOut)")
            try await rig.start(yaml)
            try await rig.signInAll()
            #expect(rig.terminate() == 0)
            let logouts = await rig.calls("logout").map { "\($0.agentID ?? "-") \($0.retcode ?? "-")" }
            #expect(logouts.count == (signOut ? 3 : 0), "\(logouts) \(rig.logLines.filter { $0.contains("logout") || $0.contains("closed") })")
            let mark = await rig.mark()
            try await rig.start(yaml)
            for agent in rig.agents { #expect(try await rig.resetSkill(agent.id).status == 200) }
            let logins = await rig.calls("login", after: mark).map(\.retcode)
            #expect(logins == (signOut ? ["0", "0", "0"] : []), "\(rig.logLines.filter { !$0.contains("resetSkill") }.joined(separator: "\n"))")
            #expect(await rig.calls("forceLogin", after: mark).isEmpty)
        }
    }

    /// A state file or directory the shim cannot use: one line naming state.directory,
    /// and the shim starts and serves (twice: no crash loop).
    @Test(arguments: ["truncated", "otherGateway", "readableByOthers", "unwritable"])
    func unusableStateIsOneLineAndNothingElse(problem: String) async throws {
        try await withRestartRig { rig in
            let path = rig.stateDirectory + "/sessions.json"
            let directory = problem == "unwritable" ? "/proc/ccgw-shim-test-state" : rig.stateDirectory  // nobody, root included, can create it
            let yaml = rig.yaml(sessions: "signOutOnShutdown: true")
                .replacingOccurrences(of: "state: {directory: \(rig.stateDirectory)}", with: "state: {directory: \(directory)}")
            for _ in 0..<2 {  // the same problem at the next start: the same line, no crash loop
                var saved = SavedState(gatewayURL: "https://127.0.0.1:\(rig.gatewayPort)", authMode: "dynamic")
                saved.sessions[AgentID("3001")!] = SavedSession(
                    guid: "not-a-live-guid", cookies: nil, signIn: "x", phone: "73001", contactAt: Int64(Date().timeIntervalSince1970 * 1000))
                switch problem {
                case "truncated":
                    try Data(saved.encoded().utf8.prefix(40)).write(to: URL(fileURLWithPath: path))
                    chmod(path, 0o600)
                case "otherGateway":
                    saved.gatewayURL = "https://other.example:8043"
                    try Data(saved.encoded().utf8).write(to: URL(fileURLWithPath: path))
                    chmod(path, 0o600)
                case "readableByOthers":
                    try Data(saved.encoded().utf8).write(to: URL(fileURLWithPath: path))
                    chmod(path, 0o644)
                default:
                    break
                }
                try await rig.start(yaml)
                let reply = try await rig.resetSkill("3001")
                #expect(reply.status == 200, "\(reply.body)")
                let lines = rig.currentLogLines.filter { $0.contains("state.directory \(directory)") }
                #expect(lines.count == 1, "\(rig.currentLogLines)")
                #expect(rig.isRunning)
                if problem == "readableByOthers" {
                    // The shim replaced the exposed file with its own, readable by its user only.
                    let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
                    #expect(mode == 0o600)
                }
                #expect(rig.terminate() == 0)
            }
            #expect(await rig.calls("resetSkill").filter { $0.guid == "not-a-live-guid" }.isEmpty)
            #expect(await rig.linesWithSecrets().isEmpty)
        }
    }

    @Test func theStateFileIsPrivateAndHoldsNoPassword() async throws {
        try await withRestartRig { rig in
            try await rig.start(rig.yaml())
            try await rig.signInAll()
            let path = rig.stateDirectory + "/sessions.json"
            let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
            #expect(mode == 0o600)
            let text = try String(contentsOfFile: path, encoding: .utf8)
            for agent in rig.agents { #expect(!text.contains(agent.password)) }
            #expect(!FileManager.default.fileExists(atPath: path + ".tmp"))
        }
    }

    @Test func downLongerThanTheUnpolledSignOutSignsInPlainly() async throws {
        try await withRestartRig(configure: { $0.unpolledTimeout = .seconds(1) }) { rig in
            try await rig.start(rig.yaml(unpolledSignOut: "1s"))
            try await rig.signInAll()
            rig.kill9()
            try await Task.sleep(for: .milliseconds(1600))
            let mark = await rig.mark()
            try await rig.start(rig.yaml(unpolledSignOut: "1s"))
            let reply = try await rig.resetSkill("3001")
            #expect(reply.status == 200, "\(reply.body)")
            #expect(await rig.calls("login", after: mark).filter { $0.agentID == "3001" }.map(\.retcode) == ["0"])
            #expect(await rig.calls("forceLogin", after: mark).isEmpty)
            let line = try #require(rig.currentLogLines.first { $0.contains("\"msg\":\"sessions resumed\"") }.flatMap { try? JSONParser.parse($0) })
            #expect(line["sessions.gone"] == "3")
        }
    }
}
