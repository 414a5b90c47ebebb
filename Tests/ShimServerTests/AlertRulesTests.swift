import Foundation
import Testing

/// The shipped alert rules (`deploy/prometheus/`): promtool's unit tests pass, and every
/// series they name is one the shim exports (read from a live `/metrics`); the scrape itself
/// passes `promtool check metrics` (every family has HELP and TYPE).
@Suite struct AlertRulesTests {
    /// Runs promtool with `arguments`, `input` on its standard input; exit status and output.
    static func promtool(_ arguments: [String], input: String? = nil) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["promtool"] + arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        let stdin = Pipe()
        process.standardInput = stdin
        try process.run()
        if let input { stdin.fileHandleForWriting.write(Data(input.utf8)) }
        try stdin.fileHandleForWriting.close()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, text)
    }

    @Test func aLiveScrapePassesPromtoolCheckMetrics() async throws {
        try await withHarness(inProcess: true) { h in
            #expect(try await h.resetSkill().status == 200)  // so every family has a sample
            let scrape = try await h.request("GET", "/metrics")
            #expect(scrape.body.contains("# HELP ccgw_gateway_calls_total "))
            let (status, output) = try Self.promtool(["check", "metrics"], input: scrape.body)
            #expect(status == 0, "promtool check metrics: \(output)")
            #expect(output.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty, "\(output)")
        }
    }

    static let directory = DeploymentTests.root.appendingPathComponent("deploy/prometheus")

    @Test func promtoolUnitTestsPass() throws {
        let (status, text) = try Self.promtool(["test", "rules", Self.directory.appendingPathComponent("alerts.test.yaml").path])
        #expect(status == 0, "promtool (Debian: apt-get install prometheus): \(text)")
        #expect(text.contains("SUCCESS"), "\(text)")
    }

    /// The metric families named in the alert rules and the Grafana dashboard (a histogram's
    /// `_bucket`, `_sum`, `_count` named by its family).
    static func namedFamilies() throws -> Set<String> {
        let rules = try String(contentsOf: directory.appendingPathComponent("alerts.yaml"), encoding: .utf8)
        let dashboard = try String(contentsOf: dashboardFile, encoding: .utf8)
        let names = (rules + dashboard).matches(of: /ccgw_[a-z_]+/).map { String($0.output) }
        return Set(names.map { $0.replacing(/_(bucket|sum|count)$/, with: "") })
    }

    static let dashboardFile = DeploymentTests.root.appendingPathComponent("deploy/grafana/ccgw-shim.json")

    /// The families a scrape declares (`# TYPE` lines).
    static func exportedFamilies(_ scrape: String) -> Set<String> {
        Set(scrape.split(separator: "\n").filter { $0.hasPrefix("# TYPE ") }.map { String($0.split(separator: " ")[2]) })
    }

    /// Every family the rules and the dashboard name is exported; the cluster's are checked
    /// on a cluster member's scrape (`ClusterTests.steadyStateSpreadsAgentsAndForwardsOnce`).
    @Test func everySeriesTheRulesAndTheDashboardNameIsExported() async throws {
        let named = try Self.namedFamilies().filter { !$0.hasPrefix("ccgw_cluster_") }
        #expect(named.count >= 15)
        try await withHarness(inProcess: true) { h in
            #expect(try await h.resetSkill().status == 200)
            let exported = Self.exportedFamilies(try await h.request("GET", "/metrics").body)
            for series in named { #expect(exported.contains(series), "\(series) is not in /metrics") }
        }
    }

    /// Every dashboard query is valid PromQL (its variables replaced), checked by promtool as
    /// recording rules.
    @Test func everyDashboardQueryParses() throws {
        let dashboard = try JSONSerialization.jsonObject(with: Data(contentsOf: Self.dashboardFile)) as? [String: Any]
        let panels = try #require(dashboard?["panels"] as? [[String: Any]])
        let queries = panels.flatMap { ($0["targets"] as? [[String: Any]] ?? []).compactMap { $0["expr"] as? String } }
        #expect(queries.count >= 11)
        var rules = "groups:\n  - name: dashboard\n    rules:\n"
        for (index, query) in queries.enumerated() {
            let concrete = query.replacingOccurrences(of: "$job", with: ".*").replacingOccurrences(of: "$instance", with: ".*")
            let quoted = concrete.replacingOccurrences(of: "'", with: "''")
            rules += "      - record: dashboard_query_\(index)\n        expr: '\(quoted)'\n"
        }
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("ccgw-dashboard-\(UUID().uuidString).yaml")
        try Data(rules.utf8).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let (status, output) = try Self.promtool(["check", "rules", file.path])
        #expect(status == 0, "\(output)")
        #expect(output.contains("SUCCESS: \(queries.count) rules found"), "\(output)")
    }
}
