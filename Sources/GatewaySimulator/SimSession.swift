/// One GUID of a simulated session; superseded ones stay valid for a grace period.
struct GUIDRecord {
    let value: String
    var supersededAt: ContinuousClock.Instant?
}

/// One agent's simulated gateway session.
struct SimSession {
    var guids: [GUIDRecord]
    var pendingSetGUID: String?
    var lastRotation: ContinuousClock.Instant
    var lastPollActivity: ContinuousClock.Instant
    var pollInFlight = false
    var resetInFlight = false
    var events: [String] = []
    var cookie: String
    var node: Int
    var joinedSkills: [Int] = []
    var current: String { guids.last!.value }
}
