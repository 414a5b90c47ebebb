import AsyncHTTPClient
import Foundation
import GatewaySimulator
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import ServiceLifecycle
import ShimCore
import Testing

/// Fault-injection soak (issue #4): the real shim binary in front of the simulator
/// in chaos mode, 32 concurrent callers over 16 agents. Short here (`SOAK_SECONDS`,
/// default 5); `scripts/soak.sh DURATION` runs it long and prints the figures.
@Suite(.timeLimit(.minutes(60))) struct SoakTests {
    static let agentCount = 16
    static let callers = 32

    @Test func nothingIsLostUnderChaos() async throws {
        let seconds = Double(ProcessInfo.processInfo.environment["SOAK_SECONDS"] ?? "") ?? 5
        let quiet = Logger(label: "soak", factory: { _ in SwiftLogNoOpLogHandler() })
        let agents = (0..<Self.agentCount).map {
            SimulatorOptions.Agent(id: "\(2001 + $0)", password: "soak-pw-\($0)-secret", phone: "7\(2001 + $0)", skills: Array(1...50))
        }
        var options = SimulatorOptions(agents: agents)
        options.authMode = .dynamic
        options.rotationInterval = .milliseconds(200)
        // Longer than the poll loop's longest backoff (5 s) under chaos: a GUID may expire only
        // while the shim could not have learned its successor (the simulator expires on its own clock).
        options.guidGrace = .seconds(8)
        options.pollHold = .milliseconds(200)
        options.chaos = .init()
        let (ports, portContinuation) = AsyncStream.makeStream(of: Int.self)
        let simulator = try Simulator(options: options, logger: quiet, onServerRunning: { portContinuation.yield($0) })
        let simGroup = ServiceGroup(services: [simulator], logger: quiet)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("soak-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let caFile = directory.appendingPathComponent("ca.pem").path
        try Data(simulator.certificateAuthority!.caCertificatePEM.utf8).write(to: URL(fileURLWithPath: caFile))
        let client = HTTPClient(
            eventLoopGroupProvider: .singleton,
            configuration: .init(connectionPool: .init(idleTimeout: .seconds(30), concurrentHTTP1ConnectionsPerHostSoftLimit: 64)))

        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await simGroup.run() }
            var iterator = ports.makeAsyncIterator()
            let gatewayPort = await iterator.next()!
            let agentLines = agents.map { "  - {id: \"\($0.id)\", phone: \"\($0.phone!)\", password: \"\($0.password)\"}" }.joined(separator: "\n")
            let yaml = """
                listen: {host: 127.0.0.1, port: 0}
                gateway: {url: "https://127.0.0.1:\(gatewayPort)", authMode: dynamic, caFile: \(caFile), requestTimeout: 5s, pollTimeout: 3s}
                sessions: {forceLogin: true, signInAtStartup: true, pollInterval: 50ms}
                agents:
                \(agentLines)
                logging: {level: info, format: json}
                """
            let configPath = directory.appendingPathComponent("config.yaml").path
            try Data(yaml.utf8).write(to: URL(fileURLWithPath: configPath))
            let logPath = directory.appendingPathComponent("shim.log").path
            _ = FileManager.default.createFile(atPath: logPath, contents: nil)
            let process = Process()
            process.executableURL = URL(fileURLWithPath: BinaryTests.binary)
            process.arguments = ["run", "--config", configPath]
            process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
            let errorPath = directory.appendingPathComponent("shim.stderr").path
            _ = FileManager.default.createFile(atPath: errorPath, contents: nil)
            process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: errorPath))
            try process.run()
            defer { if process.isRunning { process.terminate() } }

            // The listener's port, from the "ready" line.
            var port: Int?
            for _ in 0..<200 where port == nil {
                try await Task.sleep(for: .milliseconds(25))
                let log = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
                if let line = log.split(separator: "\n").first(where: { $0.contains("\"msg\":\"ready\"") }),
                    let listen = (try? JSONParser.parse(String(line)))?["listen.address"]?.stringValue
                {
                    port = Int(listen.split(separator: ":").last ?? "")
                }
            }
            let shimPort = try #require(port, "the shim did not become ready")

            let tally = SoakTally()
            let pid = process.processIdentifier
            let started = ContinuousClock.now
            let warmUpEnd = started + .seconds(seconds * 0.25)
            let end = started + .seconds(seconds)
            let runtime = ContinuousClock.now
            await withTaskGroup(of: Void.self) { callers in
                for _ in 0..<Self.callers {
                    callers.addTask {
                        while ContinuousClock.now < end {
                            let skill = tally.nextSkill()
                            let agent = agents[Int.random(in: 0..<agents.count)].id
                            var request = HTTPClientRequest(url: "http://127.0.0.1:\(shimPort)/v1/agents/\(agent)/reset-skill")
                            request.method = .POST
                            request.headers.add(name: "Content-Type", value: "application/json")
                            request.body = .bytes(ByteBuffer(string: "{\"skills\":[\(skill)]}"))
                            do {
                                let response = try await client.execute(request, timeout: .seconds(30))
                                _ = try await response.body.collect(upTo: 1 << 16)
                                tally.record(skill: skill, status: Int(response.status.code))
                            } catch {
                                tally.clientError()
                            }
                        }
                    }
                }
                callers.addTask {
                    try? await Task.sleep(until: warmUpEnd)
                    tally.setWarmRSS(Self.rss(of: pid))
                }
            }
            let elapsed = ContinuousClock.now - runtime
            let endRSS = Self.rss(of: process.processIdentifier)
            #expect(process.isRunning, "the shim crashed")
            if !process.isRunning {
                let stderr = (try? String(contentsOfFile: errorPath, encoding: .utf8)) ?? ""
                print("soak: the shim's stderr:\n" + stderr.split(separator: "\n").prefix(80).joined(separator: "\n"))
            }

            let journal = await simulator.gateway.entries().filter { $0.operation == "resetSkill" }
            var zeroBySkill = Set<String>()
            for entry in journal where entry.retcode == "0" { zeroBySkill.insert(entry.query ?? "") }
            let all = tally.results
            let sent = tally.sent
            // 1. Every request got exactly one answer.
            #expect(tally.clientErrors == 0)
            #expect(all.count == sent)
            // 2. A 200 only when the gateway answered 0 to that request.
            let unfounded = all.filter { $0.status == 200 && !zeroBySkill.contains("skillid=\($0.skill)") }
            #expect(unfounded.isEmpty, "200 without a gateway 0: \(unfounded.prefix(5))")
            // 3. No call with a GUID the shim knew to be superseded and expired, nor without its cookie.
            let expired = journal.filter { $0.guidState == "unknown" || $0.guidState == "no-cookie" || $0.guidState == "missing" }
            #expect(expired.isEmpty, "\(expired.count) calls with an expired/unknown GUID")
            // 4. Memory stays within 1.5x of after warm-up.
            let warm = tally.warmRSS
            if let warm, let endRSS { #expect(Double(endRSS) <= Double(warm) * 1.5, "RSS \(warm) KiB after warm-up, \(endRSS) KiB at the end") }
            #expect(warm != nil && endRSS != nil)
            // 5. It stops cleanly.
            process.terminate()
            process.waitUntilExit()
            #expect(process.terminationStatus == 0)

            var byStatus: [Int: Int] = [:]
            for result in all { byStatus[result.status, default: 0] += 1 }
            var states: [String: Int] = [:]
            for entry in journal { states[entry.guidState ?? "-", default: 0] += 1 }
            let report = SoakReport(
                seconds: seconds, requests: all.count, elapsed: elapsed, byStatus: byStatus, gatewayCalls: await simulator.gateway.entries().count,
                resetSkillCalls: journal.count, guidStates: states, warmRSS: warm ?? 0, endRSS: endRSS ?? 0,
                clientErrors: tally.clientErrors, exitStatus: process.terminationStatus)
            print(report.text)
            await simGroup.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
        try await client.shutdown()
    }

    /// VmRSS of a process, in KiB.
    static func rss(of pid: Int32) -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return nil }
        guard let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }) else { return nil }
        return Int(line.split(separator: " ").dropFirst().first ?? "")
    }
}

/// What the soak's callers saw, shared between them.
final class SoakTally: Sendable {
    private struct State {
        var sequence = 0
        var results: [(skill: Int, status: Int)] = []
        var clientErrors = 0
        var warmRSS: Int?
    }

    private let state = NIOLockedValueBox(State())

    func nextSkill() -> Int {
        state.withLockedValue {
            $0.sequence += 1; return $0.sequence
        }
    }
    func record(skill: Int, status: Int) { state.withLockedValue { $0.results.append((skill, status)) } }
    func clientError() { state.withLockedValue { $0.clientErrors += 1 } }
    func setWarmRSS(_ value: Int?) { state.withLockedValue { $0.warmRSS = value } }
    var results: [(skill: Int, status: Int)] { state.withLockedValue { $0.results } }
    var sent: Int { state.withLockedValue { $0.sequence } }
    var clientErrors: Int { state.withLockedValue { $0.clientErrors } }
    var warmRSS: Int? { state.withLockedValue { $0.warmRSS } }
}

/// The figures a soak run prints.
struct SoakReport {
    let seconds: Double
    let requests: Int
    let elapsed: Duration
    let byStatus: [Int: Int]
    let gatewayCalls: Int
    let resetSkillCalls: Int
    let guidStates: [String: Int]
    let warmRSS: Int
    let endRSS: Int
    let clientErrors: Int
    let exitStatus: Int32

    var text: String {
        let elapsedSeconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let rate = Int(Double(requests) / max(elapsedSeconds, 0.001))
        let statuses = byStatus.keys.sorted().map { "\($0)x\(byStatus[$0]!)" }.joined(separator: " ")
        let states = guidStates.keys.sorted().map { "\($0)=\(guidStates[$0]!)" }.joined(separator: " ")
        var lines: [String] = []
        lines.append("soak: \(Int(seconds)) s, \(SoakTests.callers) callers, \(SoakTests.agentCount) agents, chaos on")
        lines.append("soak: \(requests) requests (\(rate) req/s); statuses \(statuses); client errors \(clientErrors)")
        lines.append("soak: gateway calls \(gatewayCalls), resetSkill \(resetSkillCalls); GUID states at the gateway: \(states)")
        lines.append("soak: RSS after warm-up \(warmRSS) KiB, at the end \(endRSS) KiB; exit status \(exitStatus)")
        return lines.joined(separator: "\n")
    }
}
