import ShimCore

/// The gateway's configured skills for the agent (`agentskills`, PROTOCOL.md §5.2): never
/// signs the agent in (a read must not take a session); a refused GUID is refreshed once
/// (§3.3). Throws a message when they cannot be read now. Runs on the session's actor.
struct ConfiguredSkillsQuery {
    func run(_ session: isolated AgentSession) async throws(SkillsUnavailable) -> (skills: [ConfiguredSkill], at: ContinuousClock.Instant) {
        guard var held = session.machine.current else {
            throw SkillsUnavailable(message: "the agent is not signed in; the gateway lists its skills only for a session")
        }
        for attempt in 0..<2 {
            let answer: GatewayAnswer
            do throws(GatewayCallError) {
                answer = try await session.call(.queryAgentSkills(session.agentID), guid: held.guid, timeout: session.settings.requestTimeout)
            } catch {
                throw SkillsUnavailable(message: "queryAgentSkills: \(error.message)")
            }
            if answer.retcode == .success, let list = ConfiguredSkill.list(from: answer.decoded?.result) {
                return (list, ContinuousClock.now)
            }
            // A refused GUID (000-003): one refresh and one more try (PROTOCOL.md §3.3).
            if attempt == 0, answer.retcode?.disposition == .refreshGUID, let renewed = try? await session.refreshGUID(after: held) {
                held = renewed
                continue
            }
            throw SkillsUnavailable(message: "queryAgentSkills: \(answer.summary)")
        }
        throw SkillsUnavailable(message: "queryAgentSkills: the GUID was refused twice")
    }
}

/// The configured skills could not be read (no session, the gateway failed): the skills
/// view says so and shows the rest.
struct SkillsUnavailable: Error {
    let message: String
}
