import Hummingbird

/// Authenticates every request of the routes that act on agents, once: a forwarded
/// request by the cluster's peer token (`PeerVerifier`), any other by its bearer token
/// (`CallerAuthenticator`). The result goes on the context (`identity`); a refusal too,
/// so the route still writes its one `resetSkill` line before it answers 401. Routes
/// check an agent's scope with `Identity.authorize`.
struct AuthMiddleware: RouterMiddleware {
    typealias Context = ShimRequestContext
    let authenticator: CallerAuthenticator
    let peers: any PeerVerifier

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        do throws(AuthFailure) {
            if let peer = try peers.peer(of: request) {
                context.identity = .peer(member: peer.member, client: peer.client)
            } else if let caller = try authenticator.caller(authorization: request.headers[.authorization]) {
                context.identity = .client(caller)
            } else {
                context.identity = .open
            }
        } catch {
            context.identity = .refused(error)
        }
        return try await next(request, context)
    }
}

/// Recognises a request another cluster member forwarded (the peer token); a single
/// process has no peers (`NoPeers`).
protocol PeerVerifier: Sendable {
    /// The member behind a forwarded request, nil for a caller's own request. Throws when
    /// a request says it was forwarded but lacks the peer token.
    func peer(of request: Request) throws(AuthFailure) -> ForwardingPeer?
}

/// A request forwarded by another member: who sent it and for which caller.
struct ForwardingPeer: Sendable {
    let member: String
    let client: String?
}

/// A single process: no request is a peer's.
struct NoPeers: PeerVerifier {
    func peer(of request: Request) throws(AuthFailure) -> ForwardingPeer? { nil }
}
