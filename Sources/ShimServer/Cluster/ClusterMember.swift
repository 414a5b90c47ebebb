import Foundation
import Logging
import NIOSSL
import ShimCore

/// This process as a member of a cluster of shims (issue #11): its lease and member
/// key in etcd, what it knows of each agent's owner, and the etcd side of every
/// ownership decision. The decisions themselves are ShimCore's (`AgentOwnership`,
/// `ClaimPlan`, `Rendezvous`); this actor makes the calls and keeps the results.
///
/// The rule it enforces (cluster/NOTES.md §5.4): *claims need etcd, holding does not*.
/// A sign-in or forcelogin goes out only right after a guard transaction found this
/// member's key with its epoch and lease (`permitSignIn`); polling and resetskill for
/// an agent already held go on whatever etcd does, and the gateway's own one-session
/// rule fences the rest.
actor ClusterMember {
    nonisolated let settings: ShimConfig.Cluster
    nonisolated let keys: ClusterKeys
    nonisolated let memberID: String
    let etcd: EtcdClient
    let logger: Logger
    let metrics: ShimMetrics
    /// What this member knows of each agent's owner (pure; fed by the reads and claims here).
    private(set) var book: OwnershipBook
    /// Every configured agent, in order.
    var agents: [AgentID] { book.agents }
    /// The last read of the whole cluster.
    var snapshot: ClusterSnapshot { book.snapshot }
    let signInAtStartup: Bool
    /// Where the lease id is kept, so a member restarted within `leaseTTL` keeps its lease.
    let leaseFile: LeaseFile?
    /// How often the keepalive and the cluster read run (a third of the lease).
    nonisolated let tick: Duration

    /// The lease all our keys hang on; 0: none (not joined yet, or lost and not renewed).
    private(set) var lease: Int64 = 0
    /// When the last acknowledged keepalive (or grant) was sent: etcd cannot expire the
    /// lease before this + TTL (NOTES §2.1), so until then our keys are surely ours.
    private(set) var leaseConfirmedAt: ContinuousClock.Instant?
    private(set) var etcdReachable = true
    private(set) var lastEtcdError: String?
    /// Agents whose keys were ours when we joined with a kept lease: their saved
    /// sessions resume without a sign-in.
    private(set) var heldAtJoin: Set<AgentID> = []
    /// False from the start of shutdown: nothing more is claimed.
    private(set) var claiming = true
    /// The agents' sessions, which this member adopts, drops and signs in.
    let control: any AgentControl
    private var joinFailures = 0
    /// Whether the line about another member using our id was written (once per episode).
    var duplicateReported = false
    /// When this member joined: agents nobody has signed in yet (`signInAtStartup`) are
    /// claimed only a lease later, once the members starting with it have joined too.
    private(set) var joinedAt: ContinuousClock.Instant?
    private var isJoined = false
    /// Desired skills whose write to etcd failed: written again at the next read.
    var pendingDesired: [AgentID: DesiredSkills] = [:]

    init(
        settings: ShimConfig.Cluster, agents: [AgentID], signInAtStartup: Bool, stateDirectory: String?, tls: TLSConfiguration?,
        control: any AgentControl, metrics: ShimMetrics, logger: Logger
    ) {
        self.control = control
        self.settings = settings
        self.keys = ClusterKeys(prefix: settings.prefix)
        self.memberID = settings.memberID
        self.book = OwnershipBook(memberID: settings.memberID, agents: agents)
        self.signInAtStartup = signInAtStartup
        self.leaseFile = stateDirectory.map { LeaseFile(path: $0 + "/cluster.json", memberID: settings.memberID, prefix: settings.prefix) }
        self.tick = settings.leaseTTL / 3
        self.etcd = EtcdClient(endpoints: settings.etcd.endpoints, tls: tls, callTimeout: min(.seconds(2), settings.leaseTTL / 3))
        self.metrics = metrics
        metrics.clusterSeries()
        var logger = logger
        logger[metadataKey: "cluster.member"] = "\(settings.memberID)"
        self.logger = logger
    }

    /// A reload changed the agents: new ones can be claimed; the keys of those that left
    /// are released (the reload has signed them out).
    func setAgents(_ agents: [AgentID]) async {
        for (agent, epoch) in book.setAgents(agents) where lease != 0 {
            _ = try? await etcd.guarded(keys.agent(agent), epoch: epoch, lease: lease, then: [EtcdJSON.delete(keys.agent(agent))])
        }
    }

    /// Why joining failed for good.
    struct JoinRefused: Error, CustomStringConvertible {
        let description: String
    }

    // MARK: Joining

    /// Gets a lease (the kept one if it is still alive) and registers the member key.
    /// Throws `JoinRefused` when another live member uses our `memberId`; an unreachable
    /// etcd is not fatal: the member starts and keeps trying (`run`).
    func join() async throws(JoinRefused) {
        guard !isJoined else { return }
        let refusal: String?
        do throws(EtcdError) {
            refusal = try await joinOnce()
        } catch {
            reachability(false, error, call: "join")
            joinFailures += 1
            if joinFailures == 1 || joinFailures % 60 == 0 {
                logger.warning(
                    "cluster: cannot join yet; serving no agent until etcd answers",
                    metadata: ["error": "\(error.message)", "failures": "\(joinFailures)"])
            }
            return
        }
        if let refusal { throw JoinRefused(description: refusal) }
    }

    /// One try; a refusal's reason, or nil once joined.
    private func joinOnce() async throws(EtcdError) -> String? {
        var kept: Int64 = 0
        var leaseKept = false
        if let saved = leaseFile?.read() {
            let sentAt = ContinuousClock.now
            if try await etcd.keepAlive(saved) != nil {
                kept = saved
                leaseKept = true
                leaseConfirmedAt = sentAt
            }
        }
        if kept == 0 {
            let sentAt = ContinuousClock.now
            kept = try await etcd.grant(ttl: Int64(settings.leaseTTL.components.seconds)).id
            leaseConfirmedAt = sentAt
        }
        lease = kept
        let record = ownRecord().encoded
        let deadline = ContinuousClock.now + settings.leaseTTL + .seconds(2)
        var waited = false
        while true {
            let created = try await etcd.createIfAbsent(keys.member(memberID), value: record, lease: lease)
            if created.won || created.holder?.lease == lease { break }
            // Another lease holds our name: a live member, or one that died less than a
            // lease ago. Only a dead one's key disappears within a lease.
            if !waited {
                logger.notice("cluster: memberId is registered on another lease; waiting one lease for it to expire")
                waited = true
            }
            guard ContinuousClock.now < deadline else {
                let holderURL = created.holder.flatMap { ClusterRecord(bytes: $0.value) }?.url ?? "unknown address"
                try? await etcd.revoke(lease)
                lease = 0
                return "cluster.memberId \(memberID) is already used by a live member (\(holderURL)); give every member its own memberId"
            }
            try? await Task.sleep(for: .milliseconds(250))
        }
        leaseFile?.write(lease, logger: logger)
        reachability(true, nil, call: "join")
        try await refresh()
        heldAtJoin = Set(snapshot.owners.filter { $0.value.lease == lease && $0.value.record.member == memberID }.keys)
        joinedAt = .now
        isJoined = true
        logger.info(
            "cluster: joined",
            metadata: [
                "cluster.members": "\(snapshot.members.count)", "cluster.agents_held": "\(heldAtJoin.count)",
                "cluster.lease_kept": "\(leaseKept)",
            ])
        return nil
    }

    var hasJoined: Bool { isJoined }

    // MARK: etcd reachability

    func reachability(_ reachable: Bool, _ error: EtcdError?, call: String) {
        if let error {
            metrics.etcdError(call)
            lastEtcdError = error.message
        }
        guard reachable != etcdReachable else { return }
        etcdReachable = reachable
        if reachable {
            logger.notice("cluster: etcd answers again")
        } else {
            logger.warning(
                "cluster: etcd cannot be reached; agents held here stay signed in and polled, nothing is claimed",
                metadata: ["error": "\(error?.message ?? "")"])
        }
    }

    // MARK: Reading the cluster

    /// Reads every key under the prefix and updates what we know of each agent (a read that
    /// started before a claim of ours does not undo it: `OwnershipBook.read`).
    func refresh() async throws(EtcdError) {
        let (values, revision) = try await etcd.list(from: keys.picture.from, to: keys.picture.to)
        book.read(ClusterSnapshot(keys: keys, values: values), revision: revision, lease: lease)
        metrics.cluster(owned: ownedCount, members: snapshot.members.count, etcdReachable: etcdReachable)
        await membersObserver?(snapshot.members)
    }

    /// Told the live members after every read of the cluster (the event feeds follow them).
    private var membersObserver: (@Sendable ([String: ClusterRecord]) async -> Void)?

    func observeMembers(_ observer: @escaping @Sendable ([String: ClusterRecord]) async -> Void) { membersObserver = observer }

    /// Reads one agent's key.
    func refresh(_ agent: AgentID) async throws(EtcdError) {
        let (value, revision) = try await etcd.get(keys.agent(agent))
        guard !book.knowsNewer(agent, than: revision) else { return }
        observe(agent, owner: value.flatMap(ClusterSnapshot.Owner.init), revision: revision)
    }

    /// What etcd showed of `agent`'s key at `revision`.
    func observe(_ agent: AgentID, owner: ClusterSnapshot.Owner?, revision: Int64) {
        book.observe(agent, owner: owner, revision: revision, lease: lease)
    }

    /// How many agents this member holds now.
    var ownedCount: Int { book.ownedCount }

    /// The value of our member key, agent keys and session records: this member, now.
    func ownRecord() -> ClusterRecord {
        ClusterRecord(member: memberID, url: settings.advertiseURL, since: Date.rfc3339(Date()))
    }

    /// The owner key of `agent` as last read.
    func owner(of agent: AgentID) -> ClusterSnapshot.Owner? { book.owner(of: agent) }

    func view(of agent: AgentID) -> AgentOwnership { book.view(of: agent) }

    /// Records what we know of `agent`, learned at etcd's `revision` (nil: no newer than before).
    func setView(_ view: AgentOwnership, owner: ClusterSnapshot.Owner?, for agent: AgentID, revision: Int64? = nil) {
        book.set(view, owner: owner, for: agent, revision: revision)
    }

    // MARK: Claims

    enum ClaimOutcome: Sendable, Equatable {
        case won
        case lost
        case error(String)
    }

    /// Creates the agent's key on our lease if nobody holds it (its create revision is the epoch).
    func claim(_ agent: AgentID) async -> ClaimOutcome {
        guard lease != 0, claiming else { return .error("this member holds no lease now") }
        let record = ownRecord()
        do throws(EtcdError) {
            let result = try await etcd.createIfAbsent(keys.agent(agent), value: record.encoded, lease: lease)
            reachability(true, nil, call: "claim")
            if result.won {
                let previous = book.lastHolder(of: agent)
                var current = view(of: agent)
                current.claimed(epoch: result.epoch)
                setView(current, owner: .init(record: record, epoch: result.epoch, lease: lease), for: agent, revision: result.revision)
                metrics.claim(.won)
                await control.adopt(agent, from: previous, to: memberID)
                logger.info("cluster: agent claimed", metadata: ["agent.id": "\(agent)", "cluster.epoch": "\(result.epoch)"])
                return .won
            }
            observe(agent, owner: result.holder.flatMap(ClusterSnapshot.Owner.init), revision: result.revision)
            metrics.claim(.lost)
            return .lost
        } catch {
            reachability(false, error, call: "claim")
            metrics.claim(.error)
            return .error("etcd cannot be reached, so agent \(agent) cannot be claimed now")
        }
    }

    /// etcd says our lease is gone (a pause or a partition longer than the lease): our
    /// keys are gone with it. Agents still polled here go on being served (the gateway
    /// fences them); none is signed in until its key is ours again (`ClaimPlan.reclaim`).
    func lostLease() {
        logger.warning("cluster: our lease ended (a pause or a partition longer than leaseTTL); getting a new one")
        lease = 0
        leaseConfirmedAt = nil
    }

    func renewed(lease id: Int64, sentAt: ContinuousClock.Instant) {
        guard id == lease else { return }
        leaseConfirmedAt = sentAt
    }

    func newLease(_ id: Int64, sentAt: ContinuousClock.Instant) {
        lease = id
        leaseConfirmedAt = sentAt
        leaseFile?.write(lease, logger: logger)
    }

    func stopClaiming() { claiming = false }

    func leaseRevoked() {
        lease = 0
        leaseFile?.forget()
    }
}
