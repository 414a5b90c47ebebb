import ShimCore
import Testing

/// The cluster's ownership rules as a table (issue #11).
struct AgentOwnershipTests {
    @Test(arguments: [
        // holder, forwarded, etcd reachable → route
        (AgentOwnership.Holder.me(epoch: 7), false, true, AgentOwnership.Route.serve),
        (.me(epoch: 7), true, false, .serve),  // the holder serves even without etcd
        (.member("b", epoch: 7), false, true, .forward(member: "b")),
        (.member("b", epoch: 7), false, false, .forward(member: "b")),  // holding needs no etcd
        (.member("b", epoch: 7), true, true, .notOwner),  // the owner never forwards again
        (.nobody, false, true, .claim),
        (.nobody, false, false, .unavailable),
        (.unknown, false, true, .claim),
        (.unknown, false, false, .unavailable),
        (.nobody, true, true, .notOwner),
    ])
    func requestsGoToTheHolder(holder: AgentOwnership.Holder, forwarded: Bool, reachable: Bool, route: AgentOwnership.Route) {
        #expect(AgentOwnership(memberID: "a", holder: holder).route(forwarded: forwarded, etcdReachable: reachable) == route)
    }

    @Test func observingTheKeyTellsUsFromOthers() {
        var ownership = AgentOwnership(memberID: "a")
        ownership.observed((member: "a", epoch: 9))
        #expect(ownership.holder == .me(epoch: 9))
        ownership.observed((member: "b", epoch: 12))
        #expect(ownership.holder == .member("b", epoch: 12))
        ownership.observed(nil)
        #expect(ownership.holder == .nobody)
        ownership.claimed(epoch: 15)
        #expect(ownership.guardEpoch == 15)
        ownership.observed((member: "c", epoch: 20))
        #expect(ownership.guardEpoch == nil)
    }

    @Test(arguments: [
        // holder, guard result → may sign in, holder after
        (AgentOwnership.Holder.me(epoch: 3), AgentOwnership.GuardResult.held, true, AgentOwnership.Holder.me(epoch: 3)),
        (.me(epoch: 3), .lost, false, .unknown),
        (.me(epoch: 3), .unreachable, false, .me(epoch: 3)),  // no sign-in without etcd, but polling what we hold goes on
        (.member("b", epoch: 3), .held, false, .member("b", epoch: 3)),
        (.nobody, .held, false, .nobody),
    ])
    func aSignInNeedsAFreshGuard(holder: AgentOwnership.Holder, result: AgentOwnership.GuardResult, proceeds: Bool, after: AgentOwnership.Holder) {
        var ownership = AgentOwnership(memberID: "a", holder: holder)
        #expect(ownership.mayProceed(after: result) == proceeds)
        #expect(ownership.holder == after)
    }

    @Test(arguments: [
        (AgentOwnership.Holder.me(epoch: 3), true, TakeoverReason?.some(.clusterSession)),
        (.me(epoch: 3), false, nil),  // someone outside the cluster holds the agent
        (.member("b", epoch: 3), true, nil),
        (.unknown, true, nil),
    ])
    func only100002OfTheClustersOwnSessionIsTakenBack(holder: AgentOwnership.Holder, recorded: Bool, reason: TakeoverReason?) {
        #expect(AgentOwnership(memberID: "a", holder: holder).takeoverReason(clusterHoldsSession: recorded) == reason)
        #expect(reason?.isOwnSession ?? true)
    }
}
