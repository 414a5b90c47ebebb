/// The cluster as one range over `<prefix>/` shows it: the live members, the owner of
/// each agent, and the agents the cluster holds a gateway session for.
public struct ClusterSnapshot: Sendable, Equatable {
    /// An agent's owner key.
    public struct Owner: Sendable, Equatable {
        public var record: ClusterRecord
        /// The key's create revision: the ownership epoch.
        public var epoch: Int64
        /// The lease it hangs on (the owner's).
        public var lease: Int64

        public init(record: ClusterRecord, epoch: Int64, lease: Int64) {
            self.record = record
            self.epoch = epoch
            self.lease = lease
        }

        /// An agent key as etcd returns it; nil when its value is not one of ours.
        public init?(_ value: EtcdKeyValue) {
            guard let record = ClusterRecord(bytes: value.value) else { return nil }
            self.init(record: record, epoch: value.createRevision, lease: value.lease)
        }
    }

    /// Live members by id (their keys hang on their leases, so a dead member's is gone).
    public var members: [String: ClusterRecord] = [:]
    /// Each member's lease.
    public var memberLeases: [String: Int64] = [:]
    public var owners: [AgentID: Owner] = [:]
    /// Agents the cluster holds a session for, and who signed each in.
    public var sessions: [AgentID: ClusterRecord] = [:]

    public init() {}

    /// Reads the keys of one range; keys that are not the cluster's are ignored.
    public init(keys: ClusterKeys, values: [EtcdKeyValue]) {
        for value in values {
            guard let kind = keys.kind(of: value.key), let record = ClusterRecord(bytes: value.value) else { continue }
            switch kind {
            case .member(let id):
                members[id] = record
                memberLeases[id] = value.lease
            case .agent(let agent):
                owners[agent] = Owner(record: record, epoch: value.createRevision, lease: value.lease)
            case .session(let agent):
                sessions[agent] = record
            }
        }
    }

    /// How many agents each live member owns.
    public var ownedCounts: [String: Int] {
        var counts = Dictionary(uniqueKeysWithValues: members.keys.map { ($0, 0) })
        for owner in owners.values { counts[owner.record.member, default: 0] += 1 }
        return counts
    }
}
