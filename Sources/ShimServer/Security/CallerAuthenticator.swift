import ShimCore

/// Decides who is calling (`Authorization: Bearer <token>`) and which agents
/// they may act on (`clients:` in the config). Without clients every caller is
/// accepted: the config parser only allows that on loopback or with
/// `allowUnauthenticated: true`.
struct CallerAuthenticator: Sendable {
    struct Caller: Sendable {
        let name: String
        let scope: AgentScope
    }

    private struct Entry: Sendable {
        let caller: Caller
        let token: [UInt8]
    }

    private let entries: [Entry]

    /// `tokens` by client name, as resolved by the config loader.
    init(clients: [ShimConfig.Client], tokens: [String: String]) {
        entries = clients.map { Entry(caller: Caller(name: $0.name, scope: $0.agents), token: Array((tokens[$0.name] ?? "").utf8)) }
    }

    var isEnabled: Bool { !entries.isEmpty }

    /// The caller of a request, or nil when authentication is off.
    /// Throws `AuthFailure.unauthorized` for a missing or unknown token.
    func caller(authorization: String?) throws(AuthFailure) -> Caller? {
        guard isEnabled else { return nil }
        guard let authorization, authorization.count > 7, authorization.prefix(7).lowercased() == "bearer " else {
            throw Self.unauthorized("send Authorization: Bearer <token>")
        }
        let presented = Array(authorization.dropFirst(7).utf8)
        var match: Caller?
        // Compare with every token, each in constant time, so timing tells nothing
        // about which token or how much of it matched.
        for entry in entries where Self.constantTimeEqual(presented, entry.token) && !entry.token.isEmpty {
            match = entry.caller
        }
        guard let match else { throw Self.unauthorized("the bearer token is not valid") }
        return match
    }

    static func unauthorized(_ message: String) -> AuthFailure { .unauthorized(message) }

    /// Equal length and equal bytes, in time that depends only on the lengths.
    static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        var difference = UInt8(a.count == b.count ? 0 : 1)
        let length = max(a.count, b.count)
        for index in 0..<length {
            let x = index < a.count ? a[index] : 0
            let y = index < b.count ? b[index] : 0
            difference |= x ^ y
        }
        return difference == 0
    }
}
