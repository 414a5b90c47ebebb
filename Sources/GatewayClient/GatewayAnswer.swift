public import ShimCore

/// What the gateway sent back for one call: status, the headers the shim uses,
/// the raw body and, when the body is the gateway's envelope, its decoding.
public struct GatewayAnswer: Sendable {
    public var status: Int
    public var body: [UInt8]
    public var contentType: String?
    /// The GUID from `Set-GUID` (or a `Guid` header) on this answer, if any (PROTOCOL.md §2.1, §3.2).
    public var newGUID: String?
    /// Every `Set-Cookie` value, to keep in the agent's jar (§1.2).
    public var setCookies: [String]
    /// The decoded envelope, or why the body is not one.
    public var envelope: Result<GatewayEnvelope, GatewayEnvelope.DecodingError>

    public init(status: Int, body: [UInt8], contentType: String?, newGUID: String?, setCookies: [String]) {
        self.status = status
        self.body = body
        self.contentType = contentType
        self.newGUID = newGUID
        self.setCookies = setCookies
        self.envelope = Result { () throws(GatewayEnvelope.DecodingError) in try GatewayEnvelope.decode(body) }
    }

    /// The retcode when the answer is HTTP 200 with an envelope; business outcomes
    /// only ever arrive that way (§1.3).
    public var retcode: Retcode? {
        guard status == 200, case .success(let envelope) = envelope else { return nil }
        return envelope.retcode
    }
}
