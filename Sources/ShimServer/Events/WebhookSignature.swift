import Crypto
import Foundation

/// Standard Webhooks 1.0 signing (`../shared/ccgateway/EVENTS.md` §4): the secret is
/// written `whsec_<base64 key>`; a delivery is signed with HMAC-SHA256 over
/// `<webhook-id>.<webhook-timestamp>.<body>` and the signature sent as `v1,<base64>`.
struct WebhookSignature: Sendable {
    let key: SymmetricKey

    /// Reads a `whsec_` secret; nil when it is not one (the config error names the key).
    init?(secret: String) {
        guard secret.hasPrefix("whsec_"), let bytes = Data(base64Encoded: String(secret.dropFirst(6))), bytes.count >= 16 else {
            return nil
        }
        key = SymmetricKey(data: bytes)
    }

    /// The `webhook-signature` header value.
    func sign(id: String, timestamp: Int64, body: String) -> String {
        var mac = HMAC<SHA256>(key: key)
        mac.update(data: Array("\(id).\(timestamp).".utf8))
        mac.update(data: Array(body.utf8))
        return "v1," + Data(mac.finalize()).base64EncodedString()
    }
}
