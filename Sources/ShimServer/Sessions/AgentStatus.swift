import ShimCore

/// What `GET /v1/agents/{id}` shows about one agent's session. Never the GUID,
/// cookie or password.
struct AgentStatus: Sendable, Equatable {
    var agentId: String
    var signedIn: Bool
    /// How the current session began: `signedIn`, `resumed` or `takenBack`; nil when signed out.
    var sessionOrigin: String?
    var authMode: String
    var guidAgeSeconds: Double?
    /// RFC 3339.
    var lastPollAt: String?
    /// Successful sign-ins, forced ones included.
    var signIns: Int
    /// GUID changes since the last sign-in.
    var rotations: Int
    var lastError: String?
    /// Whether the session has the agent's desired skills; nil: nothing desired, or not signed in.
    var skillsInSync: Bool?
    /// Whether the shim is meant to hold the agent's session (`sessions.signInAtStartup`,
    /// or `sessions.keepSignedIn` once it held it): with `signedIn` false, an agent left
    /// signed out that an operator must hear about.
    var holdExpected: Bool = false

    /// Meant to be held and not signed in.
    var signedOutUnexpectedly: Bool { holdExpected && !signedIn }

    /// The API's JSON object: keys sorted, absent values as `null` (as the API promises).
    var json: JSONValue {
        .object([
            ("agentId", .string(agentId)),
            ("authMode", .string(authMode)),
            ("guidAgeSeconds", guidAgeSeconds.map(JSONValue.double) ?? .null),
            ("holdExpected", .bool(holdExpected)),
            ("lastError", lastError.map(JSONValue.string) ?? .null),
            ("lastPollAt", lastPollAt.map(JSONValue.string) ?? .null),
            ("rotations", .integer(Int64(rotations))),
            ("sessionOrigin", sessionOrigin.map(JSONValue.string) ?? .null),
            ("signIns", .integer(Int64(signIns))),
            ("signedIn", .bool(signedIn)),
            ("skillsInSync", skillsInSync.map(JSONValue.bool) ?? .null),
        ])
    }
}
