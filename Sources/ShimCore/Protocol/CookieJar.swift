/// The cookies one agent's gateway session was given.
///
/// Nothing in the API pages mentions cookies, but Huawei's own demos keep every
/// `Set-Cookie` from the gateway and send them back, most likely for load-balancer
/// stickiness (PROTOCOL.md §1.2, §8 pitfall 9). The jar keeps name=value pairs
/// only; attributes (Path, Expires, …) are ignored, which is enough for one host.
public struct CookieJar: Sendable, Equatable {
    private var cookies: [(name: String, value: String)] = []

    public init() {}

    /// A jar holding the cookies of a `Cookie` header value (`a=1; b=2`), as saved.
    public init(cookieHeader: String?) {
        for pair in (cookieHeader ?? "").split(separator: ";") { store(setCookie: String(pair)) }
    }

    public static func == (lhs: CookieJar, rhs: CookieJar) -> Bool {
        lhs.cookies.count == rhs.cookies.count
            && zip(lhs.cookies, rhs.cookies).allSatisfy { $0.name == $1.name && $0.value == $1.value }
    }

    public var isEmpty: Bool { cookies.isEmpty }

    /// Stores the cookie of one `Set-Cookie` header value (replacing one of the same name).
    public mutating func store(setCookie header: String) {
        let pair = header.split(separator: ";", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
        guard let equals = pair.firstIndex(of: "=") else { return }
        let name = String(pair[..<equals].trimmingWhitespace())
        let value = String(pair[pair.index(after: equals)...].trimmingWhitespace())
        guard !name.isEmpty else { return }
        cookies.removeAll { $0.name == name }
        cookies.append((name, value))
    }

    /// The `Cookie` request header value, or nil when the jar is empty.
    public var cookieHeader: String? {
        cookies.isEmpty ? nil : cookies.map { "\($0.name)=\($0.value)" }.joined(separator: "; ")
    }

    public mutating func removeAll() { cookies.removeAll() }
}
