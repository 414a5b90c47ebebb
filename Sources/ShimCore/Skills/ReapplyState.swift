/// What the re-apply of an agent's desired skills is doing, as the skills view shows it.
public enum ReapplyState: Sendable, Equatable {
    /// Nothing to do, or done.
    case idle
    /// A re-apply is waiting for its turn or under way.
    case pending
    /// The last try failed for a reason that may pass; another follows after a backoff.
    case retrying(String)
    /// The gateway refused the choice (000-002 and kin): not sent again in this session.
    case refused(Retcode)

    public var name: String {
        switch self {
        case .idle: "idle"
        case .pending: "pending"
        case .retrying: "retrying"
        case .refused: "refused"
        }
    }

    public var problem: String? {
        switch self {
        case .idle, .pending: nil
        case .retrying(let message): message
        case .refused(let retcode): "the gateway refused the desired skills (\(retcode)); a caller's reset with another choice replaces them"
        }
    }
}
