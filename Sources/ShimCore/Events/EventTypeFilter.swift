/// Which event types a subscriber or a webhook wants: names, or prefixes written with a
/// trailing `*` (`AgentEvent_*`, `ccgw.*`); no pattern means every type.
public struct EventTypeFilter: Sendable, Equatable {
    public let patterns: [String]

    public static let all = EventTypeFilter(checked: [])

    private init(checked patterns: [String]) { self.patterns = patterns }

    /// Validates patterns: letters, digits, `_`, `.`, `-`, with `*` only last. Returns
    /// the first pattern that is not one as the failure.
    public static func parse(_ patterns: [String]) -> Result<EventTypeFilter, Invalid> {
        for pattern in patterns {
            let body = pattern.hasSuffix("*") ? pattern.dropLast() : Substring(pattern)
            guard !pattern.isEmpty, pattern.utf8.count <= 128,
                body.utf8.allSatisfy({ isNameByte($0) })
            else { return .failure(Invalid(pattern: pattern)) }
        }
        return .success(EventTypeFilter(checked: patterns.contains("*") ? [] : patterns))
    }

    /// A comma-separated list (`?type=`).
    public static func parse(list: String) -> Result<EventTypeFilter, Invalid> {
        parse(list.split(separator: ",", omittingEmptySubsequences: false).map(String.init))
    }

    public struct Invalid: Error, Equatable {
        public let pattern: String
    }

    public func matches(_ type: String) -> Bool {
        if patterns.isEmpty { return true }
        for pattern in patterns {
            if pattern.hasSuffix("*") {
                if type.hasPrefix(pattern.dropLast()) { return true }
            } else if type == pattern {
                return true
            }
        }
        return false
    }

    private static func isNameByte(_ byte: UInt8) -> Bool {
        (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A) || byte == 0x5F || byte == 0x2E
            || byte == 0x2D
    }
}
