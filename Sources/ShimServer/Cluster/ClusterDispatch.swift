import Hummingbird
import NIOCore
import ShimCore

/// The owner dispatch of a cluster member (issue #11, behaviour 2): a request for an
/// agent this member holds is served here; one for an agent another member holds is
/// forwarded to it once (`PeerForwarder`), its answer returned unchanged; an agent
/// nobody holds is claimed first (actions only). `ClusterMember.route` decides.
struct ClusterDispatch: OwnerDispatch {
    let gate: ClusterGate
    /// The owner's own request budget and a margin, so its answer (a 504 included)
    /// arrives before this member gives up.
    var forwardTimeout: Duration { gate.forwardTimeout }
    var memberID: String? { gate.memberID }

    func act<Value: Sendable>(on request: AgentRequest, serve: () async -> Result<Value, any Error>) async throws -> Served<Value> {
        let agent = request.agent
        let peer = request.identity.peerMember
        var fresh = false
        var retried = false
        while true {
            switch await ClusterRouting.route(agent, forwarded: peer != nil, fresh: fresh, in: gate.member) {
            case .serve:
                let result = await serve()
                // The agent changed hands under us: the member that forwarded it resolves the
                // owner again; a caller's own request is routed once more here.
                if case .failure(let failure as SessionFailure) = result, failure.kind == .notOwner, !retried {
                    if peer != nil { throw ClusterRefusal.notOwner(agent) }
                    retried = true
                    fresh = true
                    continue
                }
                return .here(result)
            case .forward(let member, let url):
                let started = ContinuousClock.now
                switch await forward(request, to: member, url: url) {
                case .answered(let answer):
                    gate.member.metrics.forwarded(result: String(answer.status), duration: ContinuousClock.now - started)
                    return .forwarded(answer)
                case .notOwner where !retried:
                    gate.member.metrics.forwarded(result: "421", duration: ContinuousClock.now - started)
                    retried = true
                    fresh = true
                case .unreachable where !retried:
                    gate.member.metrics.forwarded(result: "unreachable", duration: ContinuousClock.now - started)
                    retried = true
                    fresh = true
                    // A leaving member releases its agents within moments; a dead one's lease runs out.
                    _ = await ClusterRouting.waitForOwnerChange(agent, from: member, until: started + gate.requestTimeout, in: gate.member)
                case .notOwner, .unreachable:
                    throw ClusterRefusal.unavailable("the member that holds agent \(agent) cannot serve it now; send the request again")
                }
            case .notOwner:
                throw ClusterRefusal.notOwner(agent)
            case .unavailable(let message):
                throw ClusterRefusal.unavailable(message)
            }
        }
    }

    /// The owner's view: a read that reached another member is forwarded to the owner as
    /// last known (nothing is claimed for a read); the answer adds `owner` and `ownerSince`.
    func read(_ request: AgentRequest, view: () async -> JSONValue) async -> Response {
        let owner = await gate.member.owner(of: request.agent)
        if request.identity.peerMember == nil, let owner, owner.record.member != gate.memberID, !owner.record.url.isEmpty,
            case .answered(let answer) = await forward(request, to: owner.record.member, url: owner.record.url)
        {
            return answer.response
        }
        let json = await view()
        guard case .object(var fields) = json else { return .json(json) }
        fields.append(("owner", owner.map { .string($0.record.member) } ?? .null))
        fields.append(("ownerSince", owner.map { .string($0.record.since) } ?? .null))
        fields.sort { $0.key < $1.key }
        var response = Response.json(.object(fields))
        if owner?.record.member == gate.memberID { response.headers[PeerForwarder.owner] = gate.memberID }
        return response
    }

    private enum Forwarded {
        case answered(ForwardedAnswer)
        case notOwner
        case unreachable
    }

    private func forward(_ request: AgentRequest, to member: String, url: String) async -> Forwarded {
        let result = await gate.forwarder.forward(
            method: request.method, uri: request.uri, body: request.body, contentType: request.contentType, to: url,
            requestID: request.requestID, client: request.identity.clientName, timeout: forwardTimeout)
        switch result {
        case .answered(let response, let status, let bytes):
            let json = try? JSONParser.parse(bytes.readableBytesView)
            return .answered(ForwardedAnswer(response: response, status: status, member: member, json: json))
        case .notOwner: return .notOwner
        case .unreachable: return .unreachable
        }
    }
}
