/// The gateway's final answer to one forwarded resetskill, what it means, and how
/// many resetskill calls it took. Returned by the agent's session; mapped to HTTP
/// once, at the edge.
public struct ResetSkillOutcome: Sendable {
    /// The last answer, unchanged (the gateway-compatible route returns it as it is).
    public let answer: GatewayAnswer
    public let verdict: ResetSkillVerdict
    /// resetskill calls sent for this request (at most two for auth errors).
    public let attempts: Int

    public init(answer: GatewayAnswer, verdict: ResetSkillVerdict, attempts: Int) {
        self.answer = answer
        self.verdict = verdict
        self.attempts = attempts
    }
}
