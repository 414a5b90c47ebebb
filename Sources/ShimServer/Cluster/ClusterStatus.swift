import ShimCore

/// The body of `GET /v1/cluster`: this member, its lease, the live members with their
/// agent counts, and whether etcd answers.
enum ClusterStatus {
    static func json(of member: isolated ClusterMember) -> JSONValue {
        let confirmedAgo = member.leaseConfirmedAt.map { ($0.duration(to: .now)) }
        let leaseState: String
        if member.lease == 0 {
            leaseState = "none"
        } else if let confirmedAgo, confirmedAgo < member.settings.leaseTTL {
            leaseState = "held"
        } else {
            leaseState = "unconfirmed"
        }
        let owned = member.ownedCount
        var counts = member.snapshot.ownedCounts
        counts[member.memberID] = owned  // ours is known now; the others' as of the last read
        let members: [JSONValue] = member.snapshot.members.keys.sorted().map { id in
            let record = member.snapshot.members[id]!
            return .object([
                ("id", .string(id)), ("url", .string(record.url)), ("since", .string(record.since)),
                ("agents", .integer(Int64(counts[id] ?? 0))),
            ])
        }
        return .object([
            ("mode", .string("etcd")),
            (
                "member",
                .object([
                    ("id", .string(member.memberID)), ("url", .string(member.settings.advertiseURL)), ("lease", .string(leaseState)),
                    ("leaseTTLSeconds", .integer(member.settings.leaseTTL.components.seconds)),
                    (
                        "leaseConfirmedSecondsAgo",
                        confirmedAgo.map { .double(Double($0.components.seconds) + Double($0.components.attoseconds) / 1e18) } ?? .null
                    ),
                    ("claiming", .bool(member.claiming)), ("agentsOwned", .integer(Int64(owned))),
                    ("agentsConfigured", .integer(Int64(member.agents.count))),
                ])
            ),
            ("members", .array(members)),
            (
                "etcd",
                .object([
                    ("reachable", .bool(member.etcdReachable)), ("endpoint", .string(member.etcd.endpoint)),
                    ("lastError", member.lastEtcdError.map(JSONValue.string) ?? .null),
                ])
            ),
        ])
    }
}
