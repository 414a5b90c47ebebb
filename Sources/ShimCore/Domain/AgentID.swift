/// A CC-Gateway agent id ("work number"): 101–999999 written in plain decimal digits.
///
/// The range is the newer documentation's (PROTOCOL.md §1.4, LOGIN-en/RESET-en25);
/// older gateways accept only up to 59999 and will say `000-002` themselves, so the
/// shim validates loosely and lets the gateway decide (§8 pitfall 13). No sign, no
/// leading zero, no spaces: the id goes into a URL path verbatim.
public struct AgentID: Hashable, Sendable, Comparable, CustomStringConvertible {
    public static let validRange = 101...999_999

    /// The id exactly as the gateway expects it in a path.
    public let rawValue: String

    /// Accepts only the canonical decimal form of a number in `validRange`.
    public init?(_ text: some StringProtocol) {
        guard let first = text.utf8.first, first != UInt8(ascii: "0"), text.utf8.count <= 6,
            text.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }),
            let number = Int(text), AgentID.validRange.contains(number)
        else { return nil }
        self.rawValue = String(text)
    }

    public var description: String { rawValue }

    public static func < (lhs: AgentID, rhs: AgentID) -> Bool {
        (Int(lhs.rawValue) ?? 0) < (Int(rhs.rawValue) ?? 0)
    }
}
