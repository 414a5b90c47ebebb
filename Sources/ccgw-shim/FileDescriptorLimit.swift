import Foundation

/// The process's open-file limit, which bounds how many agents the shim can hold: every
/// agent keeps one gateway connection open for its event poll, plus one for its calls.
///
/// systemd and most shells start services with a soft limit of 1,024 and a far higher hard
/// limit; the shim raises the soft limit to the hard one at start (as Go's runtime does),
/// and says so in one warning when even that is short for the configured agents.
enum FileDescriptorLimit {
    /// Descriptors wanted for `agents`: two connections per agent plus listeners, inbound
    /// connections and files.
    static func wanted(agents: Int) -> Int { 2 * agents + 256 }

    /// Raises the soft limit to the hard limit; returns the soft limit in force afterwards.
    static func raise() -> Int {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return Int.max }
        if limit.rlim_cur < limit.rlim_max {
            var raised = limit
            raised.rlim_cur = limit.rlim_max
            if setrlimit(Int32(RLIMIT_NOFILE.rawValue), &raised) == 0 { limit = raised }
        }
        return Int(clamping: limit.rlim_cur)  // RLIM_INFINITY (all ones) clamps to Int.max
    }
}
