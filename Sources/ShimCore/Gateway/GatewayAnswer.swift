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

    /// The envelope, when the body is one.
    public var decoded: GatewayEnvelope? {
        guard case .success(let envelope) = envelope else { return nil }
        return envelope
    }

    /// The retcode when the answer is HTTP 200 with an envelope; business outcomes
    /// only ever arrive that way (§1.3).
    public var retcode: Retcode? {
        guard status == 200, case .success(let envelope) = envelope else { return nil }
        return envelope.retcode
    }
}

extension GatewayAnswer {
    /// A short description of an answer, for error messages and `lastError`: retcode and
    /// the gateway's message, never a header.
    public var summary: String {
        switch envelope {
        case .success(let envelope) where status == 200:
            return envelope.message.isEmpty ? "retcode \(envelope.retcode)" : "retcode \(envelope.retcode) (\(envelope.message.prefix(200)))"
        case .success(let envelope):
            return "HTTP \(status), retcode \(envelope.retcode)"
        case .failure(let error):
            return "HTTP \(status), \(error.reason)"
        }
    }

    /// What is wrong with an answer that is not a success, for the caller: its status,
    /// why its body is not the envelope, or its retcode and message.
    public var problem: String {
        guard status == 200 else { return "the gateway answered HTTP \(status)" }
        switch envelope {
        case .failure(let error):
            return "the gateway's answer is not its JSON envelope: \(error.reason)"
        case .success(let envelope):
            return "the gateway answered \(envelope.retcode)\(messageDetail)"
        }
    }

    /// `": <the gateway's message>"` (at most 200 characters), or "" when it sent none.
    public var messageDetail: String {
        guard case .success(let envelope) = envelope, !envelope.message.isEmpty else { return "" }
        return ": \(envelope.message.prefix(200))"
    }
}
