import Foundation
import Testing

/// The shipped alert rules (`deploy/prometheus/`): promtool's unit tests pass, and every
/// series they name is one the shim exports (read from a live `/metrics`).
@Suite struct AlertRulesTests {
    static let directory = DeploymentTests.root.appendingPathComponent("deploy/prometheus")

    @Test func promtoolUnitTestsPass() throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["promtool", "test", "rules", Self.directory.appendingPathComponent("alerts.test.yaml").path]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "promtool (Debian: apt-get install prometheus): \(text)")
        #expect(text.contains("SUCCESS"), "\(text)")
    }

    @Test func everySeriesTheRulesNameIsExported() async throws {
        let rules = try String(contentsOf: Self.directory.appendingPathComponent("alerts.yaml"), encoding: .utf8)
        let named = Set(rules.matches(of: /ccgw_[a-z_]+/).map { String($0.output) })
        #expect(!named.isEmpty)
        try await withHarness(inProcess: true) { h in
            let scrape = try await h.request("GET", "/metrics")
            let exported = Set(
                scrape.body.split(separator: "\n").filter { $0.hasPrefix("# TYPE ") }.map { $0.split(separator: " ")[2] }.map(String.init))
            for series in named { #expect(exported.contains(series), "\(series) is not in /metrics") }
        }
    }
}
