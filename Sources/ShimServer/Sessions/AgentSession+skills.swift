import ShimCore

/// Skills that stick: the session's side of its `SkillKeeper` (the rule is `SkillSync`'s)
/// and the gateway's list of the agent's configured skills for the skills view.
extension AgentSession {
    /// What `SkillSync` says the current session needs.
    func skillDecision() -> SkillSync.Decision { skills.decision(in: machine.current?.generation) }

    func reapplyPending() { skills.reapplyPending() }

    /// A re-apply ended (`SkillReapplier`).
    func reapplyEnded(_ next: SkillSync.Next, choice: SkillChoice, generation: Int, retcode: Retcode?, problem: String) {
        skills.reapplyEnded(next, choice: choice, generation: generation, retcode: retcode, problem: problem.isEmpty ? nil : problem)
        switch next {
        case .done: metrics.reapply(.applied)
        case .refused: metrics.reapply(.refused)
        case .retry: metrics.reapply(.retried)
        case .stop: break
        }
    }

    /// The gateway's configured skills for the agent, reused for `skills.configuredCacheTTL`
    /// (`ConfiguredSkillsQuery`: never a sign-in).
    func configuredSkills() async throws(SkillsUnavailable) -> (skills: [ConfiguredSkill], at: ContinuousClock.Instant) {
        if let cached = configuredCache, cached.at.duration(to: .now) < settings.configuredCacheTTL { return cached }
        let fresh = try await ConfiguredSkillsQuery().run(self)
        configuredCache = fresh
        return fresh
    }

    /// What the skills view shows of the session's side.
    func skillsState() -> (signedIn: Bool, desired: DesiredSkills?, applied: AppliedSkills?, inSync: Bool?, reapply: ReapplyState) {
        let generation = machine.current?.generation
        return (generation != nil, skills.desired, skills.applied(in: generation), skills.inSync(in: generation), skills.reapply)
    }
}
