/// Why a sign-in that met 100-002 ("already signed in", PROTOCOL.md §2.1) may take
/// the session over with `forcelogin`.
///
/// Only two things allow it: the operator said so (`sessions.forceLogin`), or the
/// session the gateway holds is provably the shim's own. Anything else is someone
/// else's session and is left alone (§8 pitfall 5).
public enum TakeoverReason: String, Sendable, Equatable {
    /// `sessions.forceLogin: true`: displace whoever holds the agent.
    case configured
    /// An earlier sign-in of ours reached the gateway but its answer (and GUID) was lost.
    case lostAnswer = "lost_answer"
    /// Every GUID of our own live session is refused (000-003 after updateGuid, §3.3).
    case staleGUID = "stale_guid"
    /// The saved state shows this shim held the session and polled it less than
    /// `gateway.unpolledSignOut` ago, and the gateway has not said it ended.
    case savedSession = "saved_session"
    /// This cluster member holds the agent's etcd key and etcd records that the cluster
    /// holds a session for it (issue #11): a failover takes the dead owner's session.
    case clusterSession = "cluster_session"

    /// Whether the session taken over is provably the shim's own (a take-back), rather
    /// than whoever's the operator allowed the shim to displace.
    public var isOwnSession: Bool { self != .configured }
}
