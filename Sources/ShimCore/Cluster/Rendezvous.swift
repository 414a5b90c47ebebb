/// Rendezvous (highest-random-weight) hashing: the member an agent prefers among the
/// live ones (cluster/NOTES.md §3). When a member leaves, only its agents change
/// preference; a joining member takes none (assignment is sticky: agents move only
/// when their owner leaves). The hash is FNV-1a with a 64-bit finaliser, the same in
/// every process (Swift's `Hasher` is seeded per process).
public enum Rendezvous {
    /// The preferred member for `agent`, or nil when there are no members.
    public static func preferred(_ agent: AgentID, among members: some Collection<String>) -> String? {
        members.max { weight(agent, $0) < weight(agent, $1) || (weight(agent, $0) == weight(agent, $1) && $0 > $1) }
    }

    /// The weight of (`agent`, `member`).
    public static func weight(_ agent: AgentID, _ member: String) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in member.utf8 + [0] + agent.rawValue.utf8 {
            hash ^= UInt64(byte)
            hash &*= 0x0000_0100_0000_01b3
        }
        // splitmix64's finaliser: FNV alone spreads short, similar keys poorly.
        hash ^= hash >> 30
        hash &*= 0xbf58_476d_1ce4_e5b9
        hash ^= hash >> 27
        hash &*= 0x94d0_49bb_1331_11eb
        hash ^= hash >> 31
        return hash
    }
}
