import Foundation
import ShimCore
import Testing

@testable import ShimServer

/// The etcd client against a real 3-member etcd cluster (etcd 3.4 from Debian's
/// `etcd-server`): what agent ownership will stand on (issue #11).
@Suite(.serialized, .timeLimit(.minutes(2))) struct EtcdClientTests {
    @Test func leasesAreGrantedKeptAliveAndRevokedWithTheirKeys() async throws {
        try await withEtcdCluster { cluster in
            let client = EtcdClient(endpoints: cluster.endpoints)
            defer { Task { await client.shutdown() } }
            let lease = try await client.grant(ttl: 5)
            #expect(lease.ttl == 5)
            #expect(try await client.keepAlive(lease.id) == 5)
            let claim = try await client.createIfAbsent("/t/agents/1001", value: "m1", lease: lease.id)
            #expect(claim.won)
            #expect(claim.revision == claim.epoch)
            #expect(try await client.get("/t/agents/1001").revision >= claim.revision)  // reads say which revision they reflect
            #expect(try await client.get("/t/agents/1001").value?.lease == lease.id)
            try await client.revoke(lease.id)
            #expect(try await client.get("/t/agents/1001").value == nil)  // the lease took its key along
            #expect(try await client.keepAlive(lease.id) == nil)  // a gone lease: no TTL
        }
    }

    @Test func exactlyOneOfManyConcurrentClaimsWinsAndItsRevisionIsTheEpoch() async throws {
        try await withEtcdCluster { cluster in
            let clients = cluster.endpoints.map { EtcdClient(endpoints: [$0]) }  // each through another member
            defer { for client in clients { Task { await client.shutdown() } } }
            var leases: [Int64] = []
            for client in clients { leases.append(try await client.grant(ttl: 10).id) }
            let results = try await withThrowingTaskGroup(of: (Int, Bool, Int64).self) { group in
                for round in 0..<12 {
                    let index = round % clients.count
                    let client = clients[index]
                    let lease = leases[index]
                    group.addTask {
                        let claim = try await client.createIfAbsent("/t/agents/2002", value: "m\(index)", lease: lease)
                        return (index, claim.won, claim.epoch)
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            let winners = results.filter(\.1)
            #expect(winners.count == 1)
            let key = try #require(try await clients[0].get("/t/agents/2002").value)
            #expect(winners.first?.2 == key.createRevision)
            #expect(results.allSatisfy { $0.2 == key.createRevision })  // losers learn the holder's epoch
            #expect(key.lease == leases[winners[0].0])
        }
    }

    @Test func aGuardHoldsOnlyForTheSameEpochAndLease() async throws {
        try await withEtcdCluster { cluster in
            let client = EtcdClient(endpoints: cluster.endpoints)
            defer { Task { await client.shutdown() } }
            let mine = try await client.grant(ttl: 10).id
            let other = try await client.grant(ttl: 10).id
            let claim = try await client.createIfAbsent("/t/agents/3003", value: "m1", lease: mine)
            #expect(try await client.guarded("/t/agents/3003", epoch: claim.epoch, lease: mine))
            #expect(try await !client.guarded("/t/agents/3003", epoch: claim.epoch, lease: other))
            #expect(try await !client.guarded("/t/agents/3003", epoch: claim.epoch + 1, lease: mine))
            // Released and claimed again: a new epoch; the old one no longer guards.
            try await client.revoke(mine)
            let again = try await client.createIfAbsent("/t/agents/3003", value: "m2", lease: other)
            #expect(again.won && again.epoch > claim.epoch)
            #expect(try await !client.guarded("/t/agents/3003", epoch: claim.epoch, lease: mine))
            // A guarded write happens only while the guard holds.
            #expect(try await client.guarded("/t/agents/3003", epoch: again.epoch, lease: other, then: [EtcdJSON.put("/t/session/3003", "m2")]))
            #expect(try await client.list(prefix: "/t/session/").values.map(\.key) == ["/t/session/3003"])
        }
    }

    @Test func anUnrenewedLeaseEndsAndItsKeysGo() async throws {
        try await withEtcdCluster { cluster in
            let client = EtcdClient(endpoints: cluster.endpoints)
            defer { Task { await client.shutdown() } }
            let lease = try await client.grant(ttl: 2)
            _ = try await client.createIfAbsent("/t/agents/4004", value: "m1", lease: lease.id)
            var gone = false
            for _ in 0..<100 where !gone {  // etcd may end a lease later than its TTL, never earlier
                try await Task.sleep(for: .milliseconds(200))
                gone = try await client.get("/t/agents/4004").value == nil
            }
            #expect(gone)
            #expect(try await client.keepAlive(lease.id) == nil)
        }
    }

    @Test func callsMoveToAnotherMemberWhenTheirsDies() async throws {
        try await withEtcdCluster { cluster in
            let leader = try #require(await cluster.leader())
            // The leader first in the list, so the client talks to it until it dies.
            let ordered = [leader.clientURL] + cluster.endpoints.filter { $0 != leader.clientURL }
            let client = EtcdClient(endpoints: ordered)
            defer { Task { await client.shutdown() } }
            let lease = try await client.grant(ttl: 10)
            let claim = try await client.createIfAbsent("/t/agents/5005", value: "m1", lease: lease.id)
            cluster.kill9(leader)
            try await cluster.waitForLeader()
            // The key and lease survive the leader's death; the client finds another member.
            #expect(try await client.keepAlive(lease.id) != nil)
            #expect(try await client.guarded("/t/agents/5005", epoch: claim.epoch, lease: lease.id))
            #expect(client.endpoint != leader.clientURL)
        }
    }

    @Test func withoutAnyMemberCallsFailAsUnreachable() async throws {
        let client = EtcdClient(endpoints: ["http://127.0.0.1:\(try freePort())", "http://127.0.0.1:\(try freePort())"])
        defer { Task { await client.shutdown() } }
        do {
            _ = try await client.grant(ttl: 5)
            Issue.record("a grant without etcd succeeded")
        } catch {
            #expect(error.kind == .unreachable)
        }
    }
}
