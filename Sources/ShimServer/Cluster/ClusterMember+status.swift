import ShimCore

extension ClusterMember {
    /// The body of `GET /v1/cluster`.
    func statusJSON() -> JSONValue {
        let confirmedAgo = leaseConfirmedAt.map { ($0.duration(to: .now)) }
        let leaseState: String
        if lease == 0 {
            leaseState = "none"
        } else if let confirmedAgo, confirmedAgo < settings.leaseTTL {
            leaseState = "held"
        } else {
            leaseState = "unconfirmed"
        }
        let owned = ownedCount
        var counts = snapshot.ownedCounts
        counts[memberID] = owned  // ours is known now; the others' as of the last read
        let members: [JSONValue] = snapshot.members.keys.sorted().map { id in
            let record = snapshot.members[id]!
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
                    ("id", .string(memberID)), ("url", .string(settings.advertiseURL)), ("lease", .string(leaseState)),
                    ("leaseTTLSeconds", .integer(settings.leaseTTL.components.seconds)),
                    (
                        "leaseConfirmedSecondsAgo",
                        confirmedAgo.map { .double(Double($0.components.seconds) + Double($0.components.attoseconds) / 1e18) } ?? .null
                    ),
                    ("claiming", .bool(claiming)), ("agentsOwned", .integer(Int64(owned))), ("agentsConfigured", .integer(Int64(agents.count))),
                ])
            ),
            ("members", .array(members)),
            (
                "etcd",
                .object([
                    ("reachable", .bool(etcdReachable)), ("endpoint", .string(etcd.endpoint)),
                    ("lastError", lastEtcdError.map(JSONValue.string) ?? .null),
                ])
            ),
        ])
    }
}
