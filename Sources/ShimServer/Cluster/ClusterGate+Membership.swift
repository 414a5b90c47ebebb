import ShimCore

/// The cluster member as the session service sees it.
extension ClusterGate: Membership {
    var signsInAtStartup: Bool { false }

    func run() async { await member.run() }

    func mayResume(_ agent: AgentID) async -> Bool { await member.heldAtJoin.contains(agent) }

    func isLast() async -> Bool { await member.isLastMember() }

    /// The last member that keeps its sessions keeps its lease too, so a restart within
    /// the lease resumes them without a sign-in; every other member releases its agents.
    func leave(signedOut: Bool, last: Bool) async -> Bool {
        var released = false
        if signedOut || !last {
            let owned = await member.ownedCount
            await member.leave(handedOver: signedOut ? 0 : owned)
            released = true
        }
        await member.shutdownClient()
        await forwarder.shutdown()
        return released
    }
}
