/// Why an inbound request was refused before any gateway call. The message is
/// safe to show the caller: it never echoes more than a field name or a number.
public struct ValidationError: Error, Equatable, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
