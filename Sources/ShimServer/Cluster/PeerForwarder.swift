import AsyncHTTPClient
import HTTPTypes
import Hummingbird
import NIOCore
import NIOHTTP1
import NIOSSL
import ShimCore

/// Forwards a request to the member that owns the agent, once, and returns that
/// member's answer unchanged: status, body, `X-Request-Id`, `X-Ccgw-Owner`,
/// `Retry-After` (issue #11, behaviour 2). The peer token travels as the bearer token;
/// the caller's own token never leaves the member it reached.
final class PeerForwarder: Sendable {
    static let forwardedFrom = HTTPField.Name("X-Ccgw-Forwarded-From")!
    static let client = HTTPField.Name("X-Ccgw-Client")!
    static let owner = HTTPField.Name("X-Ccgw-Owner")!

    /// The headers of the owner's answer that reach the caller.
    static let passed: [HTTPField.Name] = [.contentType, .retryAfter, owner, RequestIDMiddleware.header]

    private let client: HTTPClient
    private let peerToken: String
    let memberID: String

    /// `tls`: trust roots for `https` peers (nil: the system store).
    init(memberID: String, peerToken: String, tls: TLSConfiguration?) {
        self.memberID = memberID
        self.peerToken = peerToken
        var configuration = HTTPClient.Configuration(
            tlsConfiguration: tls, redirectConfiguration: .disallow, timeout: .init(connect: .seconds(1)),
            connectionPool: .init(idleTimeout: .seconds(20), concurrentHTTP1ConnectionsPerHostSoftLimit: 64), decompression: .disabled)
        configuration.httpVersion = .http1Only
        client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }

    enum Result: Sendable {
        /// The owner answered (any status).
        case answered(Response, status: Int, body: ByteBuffer)
        /// The owner says it does not hold the agent (421 `not_owner`).
        case notOwner
        /// The owner could not be reached, or did not answer in time.
        case unreachable(String)
    }

    /// Sends `method` `uri` with `body` to the member at `base` within `timeout`.
    func forward(
        method: HTTPRequest.Method, uri: String, body: ByteBuffer, contentType: String?, to base: String, requestID: String,
        client callerName: String?,
        timeout: Duration
    ) async -> Result {
        var request = HTTPClientRequest(url: base + uri)
        request.method = HTTPMethod(rawValue: method.rawValue)
        request.headers.add(name: "Authorization", value: "Bearer \(peerToken)")
        request.headers.add(name: Self.forwardedFrom.rawName, value: memberID)
        request.headers.add(name: RequestIDMiddleware.header.rawName, value: requestID)
        if let callerName { request.headers.add(name: Self.client.rawName, value: callerName) }
        if let contentType { request.headers.add(name: "Content-Type", value: contentType) }
        if body.readableBytes > 0 { request.body = .bytes(body) }
        let response: HTTPClientResponse
        let bytes: ByteBuffer
        do {
            response = try await client.execute(request, timeout: TimeAmount(timeout))
            bytes = try await response.body.collect(upTo: 8 << 20)
        } catch {
            return .unreachable("the member at \(EtcdClient.hostPort(base)) did not answer (\(type(of: error)))")
        }
        if response.status.code == 421 { return .notOwner }
        var headers = HTTPFields()
        for name in Self.passed {
            if let value = response.headers.first(name: name.rawName) { headers[name] = value }
        }
        let status = HTTPResponse.Status(code: Int(response.status.code))
        return .answered(Response(status: status, headers: headers, body: .init(byteBuffer: bytes)), status: Int(response.status.code), body: bytes)
    }

    func shutdown() async { try? await client.shutdown() }
}
