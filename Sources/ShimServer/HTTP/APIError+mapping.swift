import HTTPTypes
import Hummingbird
import NIOCore
import ShimCore

/// Where every outcome and failure gets its HTTP status and error code: the table
/// of docs/api.md, in one place.
extension APIError {
    static func invalidRequest(_ message: String) -> APIError { APIError(.badRequest, "invalid_request", message) }

    static func unknownAgent(_ id: AgentID) -> APIError {
        APIError(.notFound, "unknown_agent", "agent \(id) is not configured in this shim")
    }

    /// Cluster mode: no reachable member can act for the agent now (etcd out of reach,
    /// the owner gone and its lease not yet ended).
    static func clusterUnavailable(_ message: String) -> APIError {
        APIError(.serviceUnavailable, "cluster_unavailable", message).retryingAfterASecond()
    }

    /// Cluster mode: a forwarded request reached a member that does not hold the agent;
    /// the member that forwarded it resolves the owner again.
    static func notOwner(_ agent: AgentID) -> APIError {
        APIError(.misdirectedRequest, "not_owner", "this member does not hold agent \(agent)")
    }

    /// A body over `limit` bytes.
    static func payloadTooLarge(limit: Int) -> APIError {
        APIError(.contentTooLarge, "payload_too_large", "the request body is over \(limit) bytes")
    }

    /// `limits.maxInFlight` requests are being handled already.
    static func overloaded(limit: Int) -> APIError {
        APIError(.serviceUnavailable, "overloaded", "more than \(limit) requests in flight; retry shortly").retryingAfterASecond()
    }

    /// `events.maxSubscribers` callers' streams and long-polls are open already; streams
    /// last, so the caller is asked to wait a little longer than for a request.
    static func tooManySubscribers(limit: Int) -> APIError {
        APIError(.serviceUnavailable, "too_many_subscribers", "\(limit) event subscribers are connected (events.maxSubscribers); retry shortly")
            .retrying(afterSeconds: 5)
    }

    /// The shim is draining or stopping: the caller may send the request again.
    static let shuttingDown = APIError(.serviceUnavailable, "shutting_down", "the shim is shutting down; send the request again")
        .retryingAfterASecond()

    /// No valid credentials (401, with `WWW-Authenticate: Bearer`) or an agent outside the client's scope (403).
    init(_ failure: AuthFailure) {
        switch failure {
        case .unauthorized(let message):
            self.init(.unauthorized, "unauthorized", message)
            headers[.wwwAuthenticate] = "Bearer realm=\"ccgw-shim\""
        case .forbidden(let client, let agent):
            self.init(.forbidden, "agent_not_allowed", "client \(client) may not act on agent \(agent)")
        }
    }

    /// Cluster mode: why no member serves the agent now.
    init(_ refusal: ClusterRefusal) {
        switch refusal {
        case .notOwner(let agent): self = .notOwner(agent)
        case .unavailable(let message): self = .clusterUnavailable(message)
        }
    }

    /// The error for a final resetskill answer that is not a success (`nil` for a success).
    init?(_ outcome: ResetSkillOutcome) {
        switch outcome.verdict {
        case .succeeded:
            return nil
        case .rejected(let retcode):
            self.init(
                .badRequest, "gateway_rejected",
                "the gateway rejected the request (\(retcode))\(outcome.answer.messageDetail)", retcode: retcode)
        case .sessionLost(let retcode):
            self.init(
                .badGateway, "gateway_session_lost", "the gateway still refused the session (\(retcode)) after re-authentication and one replay",
                retcode: retcode)
        case .failed:
            self.init(.badGateway, "gateway_error", outcome.answer.problem, retcode: outcome.answer.retcode)
        }
    }

    /// The error for a session that could not produce an answer.
    init(_ failure: SessionFailure) {
        switch failure.kind {
        case .signedInElsewhere:
            self.init(.conflict, "agent_signed_in_elsewhere", failure.message, retcode: failure.retcode)
        case .signInRefused, .signInUnavailable:
            self.init(.badGateway, "gateway_sign_in_failed", failure.message, retcode: failure.retcode)
        case .unusableAnswer, .transport(.responseTooLarge):
            self.init(.badGateway, "gateway_error", failure.message, retcode: failure.retcode)
        case .transport(.timeout):
            self.init(.gatewayTimeout, "gateway_timeout", failure.message)
        case .transport(.unreachable), .transport(.tls), .transport(.connectionReset):
            self.init(.badGateway, "gateway_unreachable", failure.message)
        case .queueFull:
            self = APIError(.serviceUnavailable, "agent_busy", failure.message).retryingAfterASecond()
        case .closed:
            self = .shuttingDown
        case .notOwner, .clusterUnavailable:
            self = .clusterUnavailable(failure.message)
        }
    }

    /// Any error a route or the router may throw, as the caller sees it. An `APIError`
    /// stays as it is; the others are mapped here and nowhere else.
    init(_ error: any Error) {
        switch error {
        case let error as APIError:
            self = error
        case let failure as SessionFailure:
            self.init(failure)
        case let failure as AuthFailure:
            self.init(failure)
        case let refusal as ClusterRefusal:
            self.init(refusal)
        case let error as ValidationError:
            self = .invalidRequest(error.message)
        case is NIOTooManyBytesError:
            self = .payloadTooLarge(limit: Self.maxBodyBytes)
        case CutOff.drain:
            self = .shuttingDown
        case CutOff.deadline:
            self.init(.gatewayTimeout, "gateway_timeout", "no answer from the gateway within gateway.requestTimeout")
        case let error as HTTPError:
            switch error.status {
            case .notFound: self.init(.notFound, "not_found", "no such route")
            case .methodNotAllowed: self.init(.methodNotAllowed, "method_not_allowed", "this route does not accept that method")
            case .contentTooLarge: self = .payloadTooLarge(limit: Self.maxBodyBytes)
            case .badRequest: self = .invalidRequest("the request could not be read")
            default: self.init(error.status, "http_error", error.status.reasonPhrase)
            }
        default:
            self.init(.internalServerError, "internal_error", "the shim failed to handle the request")
        }
    }
}
