import HTTPTypes
import Hummingbird
import ShimCore

/// What the API routes need in cluster mode: this member, the forwarder, and the
/// check that a forwarded request really comes from a member (the peer token).
struct ClusterGate: PeerVerifier {
    let member: ClusterMember
    let forwarder: PeerForwarder
    /// The other members' events, relayed here.
    let feeds: PeerEventFeeds
    private let peerToken: [UInt8]
    /// How long a forwarded call may take: the owner's own request budget and a margin,
    /// so the owner's answer (a 504 included) arrives before this member gives up.
    let forwardTimeout: Duration
    /// `gateway.requestTimeout`: how long a request waits for an unreachable owner's agents to move.
    let requestTimeout: Duration

    init(member: ClusterMember, forwarder: PeerForwarder, feeds: PeerEventFeeds, peerToken: String, requestTimeout: Duration) {
        self.member = member
        self.forwarder = forwarder
        self.feeds = feeds
        self.peerToken = Array(peerToken.utf8)
        self.forwardTimeout = requestTimeout + .seconds(2)
        self.requestTimeout = requestTimeout
    }

    var memberID: String { forwarder.memberID }

    /// The peer behind a forwarded request, nil for a caller's own request. A request
    /// that says it was forwarded without the peer token gets 401.
    func peer(of request: Request) throws(AuthFailure) -> ForwardingPeer? {
        guard let from = request.headers[PeerForwarder.forwardedFrom] else { return nil }
        let authorization = request.headers[.authorization] ?? ""
        guard authorization.count > 7, authorization.prefix(7).lowercased() == "bearer ",
            CallerAuthenticator.constantTimeEqual(Array(authorization.dropFirst(7).utf8), peerToken)
        else { throw CallerAuthenticator.unauthorized("a forwarded request needs the cluster's peer token") }
        let client = request.headers[PeerForwarder.client].flatMap { RequestIDMiddleware.usable($0) }
        return ForwardingPeer(member: RequestIDMiddleware.usable(from) ?? "unknown", client: client)
    }
}
