/// An event's identity: the origin that received or made it and its place in that
/// origin's sequence, written `<origin>-<sequence>` (`k3f9q2ab-4711`).
///
/// The origin is a token the process draws at start, so an id from an earlier process
/// (or another cluster member) is never taken for one of this process's. Within one
/// origin the sequence orders events; across origins `at` does.
public struct EventID: Sendable, Hashable, CustomStringConvertible {
    public let origin: String
    public let sequence: UInt64

    public init(origin: String, sequence: UInt64) {
        self.origin = origin
        self.sequence = sequence
    }

    /// Reads `<origin>-<sequence>`; nil for anything else.
    public init?(_ text: some StringProtocol) {
        guard let dash = text.lastIndex(of: "-") else { return nil }
        let origin = text[..<dash]
        let digits = text[text.index(after: dash)...]
        guard Self.isOrigin(origin), !digits.isEmpty, digits.utf8.count <= 19,
            digits.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), let sequence = UInt64(digits)
        else { return nil }
        self.init(origin: String(origin), sequence: sequence)
    }

    public var description: String { "\(origin)-\(sequence)" }

    /// An origin token: 1 to 16 lowercase letters and digits.
    public static func isOrigin(_ text: some StringProtocol) -> Bool {
        (1...16).contains(text.utf8.count)
            && text.utf8.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x7A) }
    }

    /// A fresh origin token from `random` (8 characters, base 36).
    public static func makeOrigin(using random: inout some RandomNumberGenerator) -> String {
        let alphabet = Array("0123456789abcdefghijklmnopqrstuvwxyz")
        return String((0..<8).map { _ in alphabet[Int(random.next(upperBound: UInt64(alphabet.count)))] })
    }
}
