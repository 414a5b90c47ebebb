/// Where the cluster keeps its keys in etcd, all under `cluster.prefix`
/// (docs/cluster.md: what the cluster writes to etcd):
///
/// - `<prefix>/members/<memberId>`: one per live member, on its lease.
/// - `<prefix>/agents/<agentId>`: the agent's owner, on the owner's lease; its create
///   revision is the ownership epoch (cluster/NOTES.md §5.2).
/// - `<prefix>/sessions/<agentId>`: the cluster holds a gateway session for the agent.
///   On no lease: it outlives a dead owner, which is what lets the next owner take the
///   session back (issue #11, behaviour 3).
/// - `<prefix>/skills/<agentId>`: the agent's desired skills (`DesiredSkills.json`), on no
///   lease and kept when a session ends: the member that takes the agent over re-applies
///   them (issue "skills that stick"). Sorted after every other kind, so the periodic read
///   of the picture (`picture`) leaves them out.
///
/// No GUID, cookie, password or token is ever written: etcd 3.4 does not encrypt at rest.
public struct ClusterKeys: Sendable, Equatable {
    public let prefix: String

    public init(prefix: String) { self.prefix = prefix }

    /// Every key of the cluster (one range reads the whole picture).
    public var all: String { prefix + "/" }
    public var members: String { prefix + "/members/" }
    public var agents: String { prefix + "/agents/" }
    public var sessions: String { prefix + "/sessions/" }
    public var skills: String { prefix + "/skills/" }

    /// The range the periodic read covers: `[<prefix>/, <prefix>/skills/)`, every member,
    /// agent and session key, without the desired skills (read per agent by the guard).
    public var picture: (from: String, to: String) { (all, skills) }

    public func member(_ id: String) -> String { members + id }
    public func agent(_ id: AgentID) -> String { agents + id.rawValue }
    public func session(_ id: AgentID) -> String { sessions + id.rawValue }
    public func skills(_ id: AgentID) -> String { skills + id.rawValue }

    /// What a key under the prefix names.
    public enum Kind: Sendable, Equatable {
        case member(String)
        case agent(AgentID)
        case session(AgentID)
    }

    /// The kind of `key`, or nil for a key the cluster does not write.
    public func kind(of key: String) -> Kind? {
        if key.hasPrefix(members) {
            let id = String(key.dropFirst(members.count))
            return id.isEmpty ? nil : .member(id)
        }
        if key.hasPrefix(agents) { return AgentID(key.dropFirst(agents.count)).map(Kind.agent) }
        if key.hasPrefix(sessions) { return AgentID(key.dropFirst(sessions.count)).map(Kind.session) }
        return nil
    }
}
