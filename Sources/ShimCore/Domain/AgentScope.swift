/// Which agents a caller may act on: every agent (`"*"`), or a list of single
/// ids and inclusive ranges (`"1001"`, `"1000-1999"`).
public struct AgentScope: Sendable, Equatable {
    public let allowsAll: Bool
    public let ranges: [ClosedRange<Int>]

    public static let all = AgentScope(allowsAll: true, ranges: [])

    init(allowsAll: Bool, ranges: [ClosedRange<Int>]) {
        self.allowsAll = allowsAll
        self.ranges = ranges
    }

    /// Parses the config's list; nil names the first entry that is not an id, a range or `*`.
    public static func parse(_ entries: [String]) -> Result<AgentScope, ScopeError> {
        var ranges: [ClosedRange<Int>] = []
        for (index, entry) in entries.enumerated() {
            if entry == "*" { return .success(.all) }
            let parts = entry.split(separator: "-", omittingEmptySubsequences: false)
            guard parts.count == 1 || parts.count == 2,
                let low = AgentID(parts[0]).flatMap({ Int($0.rawValue) }),
                let high = parts.count == 2 ? AgentID(parts[1]).flatMap({ Int($0.rawValue) }) : low,
                low <= high
            else { return .failure(ScopeError(index: index)) }
            ranges.append(low...high)
        }
        return .success(AgentScope(allowsAll: false, ranges: ranges))
    }

    /// The position of an entry that could not be read.
    public struct ScopeError: Error, Equatable {
        public let index: Int
        public init(index: Int) { self.index = index }
    }

    public func allows(_ agent: AgentID) -> Bool {
        if allowsAll { return true }
        guard let number = Int(agent.rawValue) else { return false }
        return ranges.contains { $0.contains(number) }
    }
}
