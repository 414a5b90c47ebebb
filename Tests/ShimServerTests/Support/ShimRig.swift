import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import ShimCore

/// What every rig in front of the simulator shares (`Harness`, `RestartRig`, `ClusterRig`):
/// the simulator's journal and the secrets that must never show (`SimulatorJournalReading`),
/// requests to a shim over HTTP answered as one `RigReply`, and the real binary started
/// with its log in a file (`ShimProcess`).
protocol ShimRig: SimulatorJournalReading {
    /// The rig's HTTP client to the shims.
    var client: HTTPClient { get }
}

extension ShimRig {
    /// One request to `url`; `headers` as name/value pairs, a JSON `body` if any.
    func send(
        _ method: String, _ url: String, body: String? = nil, headers: [(String, String)] = [], timeout: Duration = .seconds(20)
    )
        async throws -> RigReply
    {
        var request = HTTPClientRequest(url: url)
        request.method = .init(rawValue: method)
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(string: body))
        }
        let response = try await client.execute(request, timeout: TimeAmount(timeout))
        let buffer = try await response.body.collect(upTo: 1 << 20)
        return RigReply(status: Int(response.status.code), headers: response.headers.map { ($0.name, $0.value) }, body: String(buffer: buffer))
    }
}

/// A shim's answer as every rig reads it.
struct RigReply: Sendable {
    let status: Int
    let headers: [(String, String)]
    let body: String
    var json: JSONValue? { try? JSONParser.parse(body) }
    var errorCode: String? { json?["error"]?["code"]?.stringValue }
    var errorRetcode: JSONValue? { json?["error"]?["retcode"] }
    func header(_ name: String) -> String? { headers.first { $0.0.lowercased() == name.lowercased() }?.1 }
    /// `X-Ccgw-Owner`: the cluster member that talked to the gateway.
    var owner: String? { header("X-Ccgw-Owner") }
    var requestID: String? { header("X-Request-Id") }
}

/// The real binary, started with a config file and its output in a log file.
enum ShimProcess {
    struct NotReady: Error, CustomStringConvertible { let description: String }

    /// Writes `yaml` to `configPath` and starts `ccgw-shim run` with stdout and stderr in `logPath`.
    static func launch(yaml: String, configPath: String, logPath: String) throws -> Process {
        try Data(yaml.utf8).write(to: URL(fileURLWithPath: configPath))
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: BinaryTests.binary)
        process.arguments = ["run", "--config", configPath]
        var environment = ProcessInfo.processInfo.environment
        environment.removeValue(forKey: "STATE_DIRECTORY")
        process.environment = environment
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        process.standardOutput = log
        process.standardError = log
        try process.run()
        return process
    }

    /// Waits for the `ready` line in `logPath` (up to `attempts` × 25 ms); the API's port.
    static func waitForReady(_ process: Process, logPath: String, attempts: Int = 400) async throws -> Int {
        for _ in 0..<attempts {
            let text = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
            if let line = text.split(separator: "\n").first(where: { $0.contains("\"msg\":\"ready\"") }),
                let address = (try? JSONParser.parse(String(line)))?["listen.address"]?.stringValue,
                let port = Int(address.split(separator: ":").last ?? "")
            {
                return port
            }
            guard process.isRunning else { break }
            try await Task.sleep(for: .milliseconds(25))
        }
        throw NotReady(description: "the shim did not become ready:\n" + ((try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""))
    }

    /// The lines of a log file.
    static func lines(_ path: String) -> [String] {
        ((try? String(contentsOfFile: path, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
    }
}
