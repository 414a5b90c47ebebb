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

    /// The gateway's configured skills for the agent (`agentskills`, PROTOCOL.md §5.2),
    /// reused for `skills.configuredCacheTTL`. Never signs the agent in: a read must not
    /// take a session. Throws a message when they cannot be read now.
    func configuredSkills() async throws(SkillsUnavailable) -> (skills: [ConfiguredSkill], at: ContinuousClock.Instant) {
        if let cached = configuredCache, cached.at.duration(to: .now) < settings.configuredCacheTTL { return cached }
        guard var held = machine.current else {
            throw SkillsUnavailable(message: "the agent is not signed in; the gateway lists its skills only for a session")
        }
        for attempt in 0..<2 {
            let answer: GatewayAnswer
            do throws(GatewayCallError) {
                answer = try await call(.queryAgentSkills(agentID), guid: held.guid, timeout: settings.requestTimeout)
            } catch {
                throw SkillsUnavailable(message: "queryAgentSkills: \(error.message)")
            }
            if answer.retcode == .success, let list = ConfiguredSkill.list(from: answer.decoded?.result) {
                let fresh = (list, ContinuousClock.now)
                configuredCache = fresh
                return fresh
            }
            // A refused GUID (000-003): one refresh and one more try (PROTOCOL.md §3.3).
            if attempt == 0, answer.retcode?.disposition == .refreshGUID, let renewed = try? await refreshGUID(after: held) {
                held = renewed
                continue
            }
            throw SkillsUnavailable(message: "queryAgentSkills: \(answer.summary)")
        }
        throw SkillsUnavailable(message: "queryAgentSkills: the GUID was refused twice")
    }

    /// What the skills view shows of the session's side.
    func skillsState() -> (signedIn: Bool, desired: DesiredSkills?, applied: AppliedSkills?, inSync: Bool?, reapply: ReapplyState) {
        let generation = machine.current?.generation
        return (generation != nil, skills.desired, skills.applied(in: generation), skills.inSync(in: generation), skills.reapply)
    }
}

/// The configured skills could not be read (no session, the gateway failed): the skills
/// view says so and shows the rest.
struct SkillsUnavailable: Error {
    let message: String
}
