extension SavedState {
    /// Why a state file cannot be used. The reason never quotes the file's content.
    public struct Unusable: Error, Equatable, CustomStringConvertible {
        public let reason: String
        public var description: String { reason }
    }
}
