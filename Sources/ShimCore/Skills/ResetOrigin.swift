/// Who asked for a resetskill: a caller of the API, or the shim itself re-applying the
/// agent's desired selection to a session it made on its own. Logged as `reset.origin`.
public enum ResetOrigin: String, Sendable, Equatable {
    case caller
    case reapply
}
