/// One cluster member's view of one agent's ownership, and the decisions the cluster
/// rules make from it (issue #11): who acts for the agent, when to claim it, when a
/// sign-in or forcelogin may go out, when to drop it. Pure: the etcd calls and the
/// forwarding are I/O around it.
///
/// The rules (cluster/NOTES.md §5.4):
/// - A request is served by the holder of the agent's etcd key, forwarded once to it by
///   any other member, and claimed (create-if-absent) by the member it reached when nobody
///   holds the key. Without etcd nothing is claimed: 503 `cluster_unavailable`.
/// - A sign-in or forcelogin goes out only right after a guard transaction confirmed the
///   key is still ours with our epoch; anything else (lost, unknown, etcd unreachable)
///   drops the agent: no sign-in, no logout, polling stops. The gateway's own one-session
///   rule fences the rest, so a paused member costs each agent at most one displacement.
/// - On 100-002, the session is the cluster's own (taken back with forcelogin) only when we
///   hold the key and etcd records that the cluster holds a session for the agent.
public struct AgentOwnership: Sendable, Equatable {
    /// Who holds the agent's key, as far as this member knows.
    public enum Holder: Sendable, Equatable {
        /// Not known (not read yet, or etcd could not be asked).
        case unknown
        /// Nobody: the key does not exist.
        case nobody
        /// This member, since the key's creation revision `epoch`.
        case me(epoch: Int64)
        /// Another member.
        case member(String, epoch: Int64)
    }

    /// What to do with a request for the agent that reached this member.
    public enum Route: Sendable, Equatable {
        /// Talk to the gateway here.
        case serve
        /// Forward it once to the holder.
        case forward(member: String)
        /// Claim the key first (create-if-absent), then route again.
        case claim
        /// A forwarded request for an agent this member does not hold: say so, and the
        /// first member resolves the holder once more.
        case notOwner
        /// etcd cannot tell who holds the agent: 503 `cluster_unavailable`.
        case unavailable
    }

    /// What a guard transaction found.
    public enum GuardResult: Sendable, Equatable {
        /// The key is ours, with our epoch and lease.
        case held
        /// The key is gone or someone else's.
        case lost
        /// etcd could not be asked.
        case unreachable
    }

    public let memberID: String
    public private(set) var holder: Holder = .unknown

    public init(memberID: String, holder: Holder = .unknown) {
        self.memberID = memberID
        self.holder = holder
    }

    /// Where a request goes. `forwarded`: it came from another member (the owner never
    /// forwards again). `etcdReachable`: whether etcd answers now.
    public func route(forwarded: Bool, etcdReachable: Bool) -> Route {
        switch holder {
        case .me: return .serve
        case .member(let member, _): return forwarded ? .notOwner : .forward(member: member)
        case .nobody, .unknown:
            if forwarded { return .notOwner }
            return etcdReachable ? .claim : .unavailable
        }
    }

    /// Our create-if-absent won: the key is ours from `epoch`.
    public mutating func claimed(epoch: Int64) { holder = .me(epoch: epoch) }

    /// What etcd shows for the key now (a range, a lost claim, a watch event).
    public mutating func observed(_ key: (member: String, epoch: Int64)?) {
        guard let key else {
            holder = .nobody
            return
        }
        holder = key.member == memberID ? .me(epoch: key.epoch) : .member(key.member, epoch: key.epoch)
    }

    /// The epoch a guard transaction must find before a sign-in, or nil when this member
    /// may not sign the agent in at all (it does not hold the key).
    public var guardEpoch: Int64? {
        if case .me(let epoch) = holder { return epoch }
        return nil
    }

    /// Whether the sign-in (or forcelogin) that a guard protected may go out; anything but
    /// a held key drops the agent (and, when the key is lost, forgets that it held it).
    public mutating func mayProceed(after result: GuardResult) -> Bool {
        switch result {
        case .held:
            return guardEpoch != nil
        case .lost:
            holder = .unknown
            return false
        case .unreachable:
            return false
        }
    }

    /// Why a sign-in that met 100-002 may take the session back: this member holds the
    /// key and etcd records that the cluster holds a session for the agent (written at
    /// sign-in, removed at logout and when a session ended). Otherwise someone outside the
    /// cluster holds the agent.
    public func takeoverReason(clusterHoldsSession: Bool) -> TakeoverReason? {
        guardEpoch != nil && clusterHoldsSession ? .clusterSession : nil
    }
}
