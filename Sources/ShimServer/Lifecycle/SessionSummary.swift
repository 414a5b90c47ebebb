import ShimCore

/// Counts for `STATUS=` and the session gauges.
struct SessionSummary {
    var configured = 0
    var signedIn = 0
    var maxGUIDAge = 0.0
    /// Signed-in agents whose session does not have their desired skills.
    var skillsOutOfSync = 0
    /// Agents the shim is meant to hold (`signInAtStartup`, `keepSignedIn`) that are not signed in.
    var signedOutUnexpectedly = 0

    var statusLine: String { "\(signedIn)/\(configured) agents signed in" }

    /// Visits every agent (every few seconds, and per scrape): only the two figures it
    /// needs, not the full status with its formatted dates (10,000 agents, docs/BENCHMARKS.md).
    static func of(_ registry: SessionRegistry) async -> SessionSummary {
        var summary = SessionSummary()
        for session in registry.all {
            let gauge = await session.gauge()
            summary.configured += 1
            if gauge.signedIn { summary.signedIn += 1 }
            if gauge.skillsOutOfSync { summary.skillsOutOfSync += 1 }
            if gauge.signedOutUnexpectedly { summary.signedOutUnexpectedly += 1 }
            summary.maxGUIDAge = max(summary.maxGUIDAge, gauge.guidAgeSeconds)
        }
        return summary
    }
}

/// One agent's share of the periodic session gauges.
struct SessionGauge: Sendable {
    var signedIn: Bool
    var guidAgeSeconds: Double
    var skillsOutOfSync: Bool
    var signedOutUnexpectedly: Bool
}
