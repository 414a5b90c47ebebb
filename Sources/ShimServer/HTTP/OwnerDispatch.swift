import HTTPTypes
import Hummingbird
import NIOCore
import ShimCore

/// Who answers a request for one agent: this process, or in a cluster the member that
/// holds the agent (`ClusterDispatch`). Every per-agent route goes through it (the reset
/// on both paths, the bulk rows, the status and the skills view), with one rule each for
/// acting and for reading and one forwarding timeout from the config.
protocol OwnerDispatch: Sendable {
    /// This member's id for `X-Ccgw-Owner` on answers given here; nil in a single process.
    var memberID: String? { get }
    /// Acts on the agent here through `serve` (claiming an agent nobody holds), or sends
    /// the request once to the member that holds it. Throws `ClusterRefusal` when no
    /// member can act for the agent now.
    func act<Value: Sendable>(on request: AgentRequest, serve: () async -> Result<Value, any Error>) async throws -> Served<Value>
    /// Reads the agent here (`view`) or at the member that holds it; never claims.
    func read(_ request: AgentRequest, view: () async -> JSONValue) async -> Response
}

/// A request for one agent as it can be sent on, unchanged, to the agent's owner.
struct AgentRequest: Sendable {
    let agent: AgentID
    var method: HTTPRequest.Method
    var uri: String
    var body: ByteBuffer
    var contentType: String?
    let requestID: String
    let identity: Identity
}

/// Where a request was served.
enum Served<Value: Sendable>: Sendable {
    /// Here, with what `serve` returned.
    case here(Result<Value, any Error>)
    /// By the owner it was forwarded to: its answer, unchanged.
    case forwarded(ForwardedAnswer)
}

/// The owner's answer to a forwarded request, read once.
struct ForwardedAnswer: Sendable {
    let response: Response
    let status: Int
    /// The member it was forwarded to.
    let member: String
    /// The body as JSON, when it is.
    let json: JSONValue?

    /// The gateway's retcode the owner reported (a success's, or an error's).
    var retcode: Retcode? { (json?["retcode"]?.stringValue ?? json?["error"]?["retcode"]?.stringValue).map { Retcode($0) } }
    /// The owner's error code, when it answered an error.
    var errorCode: String? { json?["error"]?["code"]?.stringValue }
}

/// A single process: every agent is served here.
struct LocalDispatch: OwnerDispatch {
    var memberID: String? { nil }

    func act<Value: Sendable>(on request: AgentRequest, serve: () async -> Result<Value, any Error>) async throws -> Served<Value> {
        .here(await serve())
    }

    func read(_ request: AgentRequest, view: () async -> JSONValue) async -> Response { .json(await view()) }
}
