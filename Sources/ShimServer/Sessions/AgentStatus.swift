/// What `GET /v1/agents/{id}` shows about one agent's session. Never the GUID,
/// cookie or password.
struct AgentStatus: Codable, Sendable, Equatable {
    var agentId: String
    var signedIn: Bool
    var authMode: String
    var guidAgeSeconds: Double?
    /// RFC 3339.
    var lastPollAt: String?
    /// Successful sign-ins, forced ones included.
    var signIns: Int
    /// GUID changes since the last sign-in.
    var rotations: Int
    var lastError: String?
}

extension AgentStatus {
    /// Writes absent values as `null`, as the API promises, instead of omitting them.
    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(agentId, forKey: .agentId)
        try container.encode(signedIn, forKey: .signedIn)
        try container.encode(authMode, forKey: .authMode)
        try container.encode(guidAgeSeconds, forKey: .guidAgeSeconds)
        try container.encode(lastPollAt, forKey: .lastPollAt)
        try container.encode(signIns, forKey: .signIns)
        try container.encode(rotations, forKey: .rotations)
        try container.encode(lastError, forKey: .lastError)
    }
}
