import ShimCore
import Testing

/// `OwnershipBook`: what a member knows of each agent's owner, and the revision rule that
/// keeps an older read of the whole cluster from undoing a newer claim.
struct OwnershipBookTests {
    static let a1 = AgentID("1001")!
    static let a2 = AgentID("1002")!

    static func owner(_ member: String, epoch: Int64, lease: Int64) -> ClusterSnapshot.Owner {
        ClusterSnapshot.Owner(record: ClusterRecord(member: member, url: "http://\(member)", since: "t"), epoch: epoch, lease: lease)
    }

    static func snapshot(_ owners: [AgentID: ClusterSnapshot.Owner]) -> ClusterSnapshot {
        var snapshot = ClusterSnapshot()
        snapshot.owners = owners
        return snapshot
    }

    @Test func aReadThatStartedBeforeAClaimDoesNotUndoIt() {
        var book = OwnershipBook(memberID: "a", agents: [Self.a1, Self.a2])
        var mine = book.view(of: Self.a1)
        mine.claimed(epoch: 50)
        book.set(mine, owner: Self.owner("a", epoch: 50, lease: 7), for: Self.a1, revision: 50)
        // A read at revision 40 saw nobody holding either agent.
        book.read(Self.snapshot([:]), revision: 40, lease: 7)
        #expect(book.view(of: Self.a1).guardEpoch == 50)
        #expect(book.snapshot.owners[Self.a1]?.epoch == 50)
        #expect(book.view(of: Self.a2).holder == .nobody)
        #expect(book.ownedCount == 1)
        // A later read wins.
        book.read(Self.snapshot([Self.a1: Self.owner("b", epoch: 60, lease: 9)]), revision: 61, lease: 7)
        #expect(book.view(of: Self.a1).holder == .member("b", epoch: 60))
        #expect(book.ownedCount == 0)
        #expect(book.knowsNewer(Self.a1, than: 60))
    }

    @Test func ourKeyOnAnotherLeaseIsAnEarlierIncarnations() {
        var book = OwnershipBook(memberID: "a", agents: [Self.a1])
        book.observe(Self.a1, owner: Self.owner("a", epoch: 5, lease: 3), revision: 10, lease: 4)
        #expect(book.view(of: Self.a1).guardEpoch == nil)
        #expect(book.view(of: Self.a1).holder == .member("a@3", epoch: 5))
        book.observe(Self.a1, owner: Self.owner("a", epoch: 5, lease: 4), revision: 11, lease: 4)
        #expect(book.view(of: Self.a1).guardEpoch == 5)
    }

    @Test func agentsThatLeaveAreReleasedWithTheirEpoch() {
        var book = OwnershipBook(memberID: "a", agents: [Self.a1, Self.a2])
        book.observe(Self.a1, owner: Self.owner("a", epoch: 5, lease: 4), revision: 10, lease: 4)
        book.observe(Self.a2, owner: Self.owner("b", epoch: 6, lease: 8), revision: 10, lease: 4)
        let released = book.setAgents([Self.a2])
        #expect(released.map(\.agent) == [Self.a1])
        #expect(released.map(\.epoch) == [5])
        #expect(book.agents == [Self.a2])
        #expect(book.owner(of: Self.a1) == nil)
        #expect(book.view(of: Self.a1).holder == .unknown)
    }
}
