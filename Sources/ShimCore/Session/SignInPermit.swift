/// What the sign-in guard found before a sign-in went out: whether a session the gateway
/// may hold for the agent is provably ours, and the agent's desired skills as recorded
/// elsewhere. In a single process the saved state is the record; in a cluster, etcd's
/// session key (`AgentOwnership.takeoverReason`) and skills key.
public struct SignInPermit: Sendable, Equatable {
    /// Why a 100-002 would be our own session (`savedSession`, `lostAnswer`, `clusterSession`); nil: no evidence.
    public var ownSession: TakeoverReason?
    /// The guard holds a record of a session for the agent (cluster: its session key existed).
    public var sessionExisted: Bool
    /// The agent's desired skills as recorded elsewhere (cluster: the last owner's callers').
    public var desired: DesiredSkills?

    public init(ownSession: TakeoverReason? = nil, sessionExisted: Bool = false, desired: DesiredSkills? = nil) {
        self.ownSession = ownSession
        self.sessionExisted = sessionExisted
        self.desired = desired
    }
}
