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
    /// Every configured agent, in order.
    private(set) var agents: [AgentID]
    let signInAtStartup: Bool
    /// Where the lease id is kept, so a member restarted within `leaseTTL` keeps its lease.
    let leaseFile: String?
    /// How often the keepalive and the cluster read run (a third of the lease).
    nonisolated let tick: Duration

    /// The lease all our keys hang on; 0: none (not joined yet, or lost and not renewed).
    private(set) var lease: Int64 = 0
    /// When the last acknowledged keepalive (or grant) was sent: etcd cannot expire the
    /// lease before this + TTL (NOTES §2.1), so until then our keys are surely ours.
    private(set) var leaseConfirmedAt: ContinuousClock.Instant?
    private(set) var etcdReachable = true
    private(set) var lastEtcdError: String?
    /// What we know of each agent's key.
    private var ownership: [AgentID: AgentOwnership] = [:]
    private var owners: [AgentID: ClusterSnapshot.Owner] = [:]
    /// The etcd revision at which we last learned each agent's owner.
    private var learnedAt: [AgentID: Int64] = [:]
    private(set) var snapshot = ClusterSnapshot()
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
        self.agents = agents
        self.signInAtStartup = signInAtStartup
        self.leaseFile = stateDirectory.map { $0 + "/cluster.json" }
        self.tick = settings.leaseTTL / 3
        self.etcd = EtcdClient(endpoints: settings.etcd.endpoints, tls: tls, callTimeout: min(.seconds(2), settings.leaseTTL / 3))
        self.metrics = metrics
        var logger = logger
        logger[metadataKey: "cluster.member"] = "\(settings.memberID)"
        self.logger = logger
        for agent in agents { ownership[agent] = AgentOwnership(memberID: settings.memberID) }
    }

    /// A reload changed the agents: new ones can be claimed; the keys of those that left
    /// are released (the reload has signed them out).
    func setAgents(_ agents: [AgentID]) async {
        let kept = Set(agents)
        for agent in self.agents where !kept.contains(agent) {
            if let epoch = ownership[agent]?.guardEpoch, lease != 0 {
                _ = try? await etcd.guarded(keys.agent(agent), epoch: epoch, lease: lease, then: [EtcdJSON.delete(keys.agent(agent))])
            }
            ownership[agent] = nil
            owners[agent] = nil
        }
        self.agents = agents
        for agent in agents where ownership[agent] == nil { ownership[agent] = AgentOwnership(memberID: memberID) }
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
        if let saved = readLeaseFile() {
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
        writeLeaseFile()
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

    // MARK: The lease file

    private func readLeaseFile() -> Int64? {
        guard let leaseFile, let data = FileManager.default.contents(atPath: leaseFile),
            let json = try? JSONParser.parse(Array(data)), json["member"]?.stringValue == memberID,
            json["prefix"]?.stringValue == settings.prefix, let id = json["lease"]?.stringValue.flatMap({ Int64($0) })
        else { return nil }
        return id
    }

    private func writeLeaseFile() {
        guard let leaseFile else { return }
        let text = JSONValue.object([("member", .string(memberID)), ("prefix", .string(settings.prefix)), ("lease", .string(String(lease)))])
        do {
            try StateFile.write(text.serialized, to: leaseFile)
        } catch {
            logger.warning("cluster: cannot keep the lease id in the state directory (\(error))", metadata: ["state.directory": "\(leaseFile)"])
        }
    }

    private func forgetLeaseFile() {
        guard let leaseFile else { return }
        unlink(leaseFile)
    }

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

    /// Reads every key under the prefix and updates what we know of each agent. What we
    /// learned after the range's revision (our own claim, a newer read of one key) is
    /// kept: a read that started before a claim must not undo it.
    func refresh() async throws(EtcdError) {
        let (values, revision) = try await etcd.list(from: keys.picture.from, to: keys.picture.to)
        var fresh = ClusterSnapshot(keys: keys, values: values)
        for agent in agents {
            if let known = learnedAt[agent], known > revision {
                fresh.owners[agent] = owners[agent]
                continue
            }
            observe(agent, owner: fresh.owners[agent], revision: revision)
        }
        snapshot = fresh
        metrics.cluster(
            owned: ownedCount, members: snapshot.members.count, etcdReachable: etcdReachable)
    }

    /// Reads one agent's key.
    func refresh(_ agent: AgentID) async throws(EtcdError) {
        let (value, revision) = try await etcd.get(keys.agent(agent))
        guard (learnedAt[agent] ?? 0) <= revision else { return }
        observe(agent, owner: value.flatMap(ClusterSnapshot.Owner.init), revision: revision)
    }

    /// What etcd showed of `agent`'s key at `revision`. A key of ours on another lease is
    /// an earlier incarnation's: not ours.
    func observe(_ agent: AgentID, owner: ClusterSnapshot.Owner?, revision: Int64) {
        var view = ownership[agent] ?? AgentOwnership(memberID: memberID)
        if let owner, owner.record.member == memberID, owner.lease != lease {
            view.observed((member: "\(memberID)@\(owner.lease)", epoch: owner.epoch))
        } else {
            view.observed(owner.map { ($0.record.member, $0.epoch) })
        }
        setView(view, owner: owner, for: agent, revision: revision)
    }

    /// How many agents this member holds now.
    var ownedCount: Int { agents.filter { view(of: $0).guardEpoch != nil }.count }

    /// The value of our member key, agent keys and session records: this member, now.
    func ownRecord() -> ClusterRecord {
        ClusterRecord(member: memberID, url: settings.advertiseURL, since: Date.rfc3339(Date()))
    }

    /// The owner key of `agent` as last read.
    func owner(of agent: AgentID) -> ClusterSnapshot.Owner? { owners[agent] }

    func view(of agent: AgentID) -> AgentOwnership { ownership[agent] ?? AgentOwnership(memberID: memberID) }

    /// Records what we know of `agent`, learned at etcd's `revision` (nil: no newer than before).
    func setView(_ view: AgentOwnership, owner: ClusterSnapshot.Owner?, for agent: AgentID, revision: Int64? = nil) {
        ownership[agent] = view
        owners[agent] = owner
        if let revision { learnedAt[agent] = max(learnedAt[agent] ?? 0, revision) }
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
        writeLeaseFile()
    }

    func stopClaiming() { claiming = false }

    func leaseRevoked() {
        lease = 0
        forgetLeaseFile()
    }
}
