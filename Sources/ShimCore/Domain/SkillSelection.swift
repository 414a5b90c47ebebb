/// Which skill queues a resetskill call signs the agent in to.
///
/// Maps onto the gateway's `autoflag` path segment and `skillid` query
/// (PROTOCOL.md §5.1): `.allConfigured` is `autoflag=true` with no `skillid`;
/// `.skills` is `autoflag=false` with the ids joined by `;`. An empty list is an
/// explicit "leave every queue", never a default.
public enum SkillSelection: Sendable, Equatable {
    case allConfigured
    case skills([Int])

    /// The gateway's documented limit for the joined `skillid` value (RESET-en25).
    public static let maxSkillIDLength = 4000

    /// Why a list of skill ids cannot be sent.
    public enum Problem: Error, Equatable {
        case notPositive(Int64)
        case tooLong(length: Int)
    }

    /// Builds a `.skills` selection: ids must be positive; duplicates are dropped
    /// keeping first-seen order; the joined form must fit `maxSkillIDLength`
    /// (checked after dropping duplicates).
    public static func validated(_ ids: [Int64]) -> Result<SkillSelection, Problem> {
        var seen = Set<Int64>()
        var unique: [Int] = []
        for id in ids {
            guard id > 0 else { return .failure(.notPositive(id)) }
            if seen.insert(id).inserted { unique.append(Int(id)) }
        }
        let selection = SkillSelection.skills(unique)
        let length = selection.joinedSkillIDs?.utf8.count ?? 0
        guard length <= maxSkillIDLength else { return .failure(.tooLong(length: length)) }
        return .success(selection)
    }

    /// The `autoflag` path segment.
    public var autoflag: Bool {
        if case .allConfigured = self { return true }
        return false
    }

    /// The `skillid` query value, or nil when no `skillid` parameter is sent.
    public var joinedSkillIDs: String? {
        switch self {
        case .allConfigured: nil
        case .skills(let ids): ids.map(String.init).joined(separator: ";")
        }
    }

    /// How the selection is shown in logs: `all` or `3;7;12`.
    public var logDescription: String { joinedSkillIDs ?? "all" }
}
