import Foundation
import Hummingbird
import ShimCore
import Testing
import Yams

@testable import ShimServer

/// docs/openapi.yaml describes exactly the routes the router serves.
@Suite struct OpenAPITests {
    static let document = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../docs/openapi.yaml")

    @Test func embeddedCopyMatchesTheDocument() throws {
        let text = try String(contentsOf: Self.document, encoding: .utf8)
        #expect(OpenAPIDocument.yaml + "\n" == text, "run scripts/embed-openapi.sh")
    }

    @Test func routerAndDocumentListTheSameRoutes() throws {
        let spec = try #require(try Yams.load(yaml: String(contentsOf: Self.document, encoding: .utf8)) as? [String: Any])
        #expect(spec["openapi"] as? String == "3.1.0")
        let paths = try #require(spec["paths"] as? [String: [String: Any]])
        var documented = Set<String>()
        for (path, operations) in paths {
            for method in operations.keys { documented.insert("\(method.uppercased()) \(path)") }
        }
        let router = buildRouter(
            registry: SessionRegistry([]), requestTimeout: .seconds(1), readiness: Readiness(), drainSignal: DrainSignal(),
            metrics: ShimMetrics(factory: makeTestMetricsFactory()), metricsEndpoint: nil,
            authenticator: CallerAuthenticator(clients: [], tokens: [:]), limits: .init())
        let routed = Set(router.routes.map { "\($0.method) \($0.path)" })
        let served = Set(apiRoutes.map { "\($0.method) \($0.path)" })
        // Every documented operation is served (metrics: on this listener unless metrics.listen is set).
        #expect(documented.subtracting(["GET /metrics"]) == served)
        #expect(routed == served)
    }
}
