import Hummingbird
import ShimCore

/// `GET /v1/cluster`: this member, its lease, the live members with their agent counts,
/// and whether etcd answers (issue #11, behaviour 7). Callers need a token when
/// authentication is on, but no agent scope: it names members, not agents' sessions.
struct ClusterRoutes {
    typealias Context = ShimRequestContext
    /// The body, from the cluster member (or a single process's fixed one).
    let status: @Sendable () async -> JSONValue

    /// A single process's answer.
    static let single: JSONValue = .object([("mode", .string("single")), ("member", .null), ("members", .array([])), ("etcd", .null)])

    func get(_ request: Request, context: Context) async throws -> Response {
        _ = try context.identity.authenticated()
        return .json(await status())
    }
}
