/// Skills that stick, for one agent: the choice it is meant to be in (the last caller's,
/// else the configured default), the reset applied in its current session, a re-apply
/// the gateway refused, and what the re-apply is doing. Pure and private: the session
/// feeds it what happened and carries out the `Action`s it returns; `SkillSync` is the
/// rule it asks.
public struct SkillKeeper: Sendable {
    /// What the session carries out after a change.
    public enum Action: Sendable, Equatable {
        /// Keep this as the current session's applied reset (state file).
        case saveApplied(AppliedSkills)
        /// Keep this as the agent's desired choice (state file).
        case saveDesired(DesiredSkills)
        /// Tell the sign-in guard (cluster: etcd) the desired choice; `changed`: a new
        /// choice, which must be recorded before the caller's answer (a repeated one only
        /// refreshes when and by which request, and may be written later).
        case shareDesired(DesiredSkills, changed: Bool)
    }

    /// The last choice a caller's reset succeeded with.
    public private(set) var callerDesired: DesiredSkills?
    /// `agents[].skills` (or `skills.default`).
    public private(set) var configured: SkillChoice?
    /// The last reset that succeeded in session `appliedGeneration`.
    private var applied: AppliedSkills?
    private var appliedGeneration = 0
    /// A re-apply of this choice was refused in session `refusedGeneration`.
    private var refused: (choice: SkillChoice, generation: Int)?
    /// What the re-apply is doing, for the skills view.
    public private(set) var reapply: ReapplyState = .idle

    public init(callerDesired: DesiredSkills?, configured: SkillChoice?) {
        self.callerDesired = callerDesired
        self.configured = configured
    }

    /// The choice the agent is kept in: the last caller's, else the configured default.
    public var desired: DesiredSkills? { callerDesired ?? configured.map(DesiredSkills.configured) }

    /// The applied reset of session `current` (nil: none, or no session).
    public func applied(in current: Int?) -> AppliedSkills? {
        guard let current, appliedGeneration == current else { return nil }
        return applied
    }

    /// What `SkillSync` says session `current` (nil: no session) needs.
    public func decision(in current: Int?) -> SkillSync.Decision {
        SkillSync.decide(
            signedIn: current != nil, desired: desired, applied: applied(in: current),
            refused: refused?.generation == current ? refused?.choice : nil)
    }

    /// Whether session `current` has the desired choice (nil: nothing desired, or no session).
    public func inSync(in current: Int?) -> Bool? {
        SkillSync.inSync(signedIn: current != nil, desired: desired, applied: applied(in: current))
    }

    /// A session began: a new sign-in is in none of the chosen queues (PROTOCOL.md §5.1);
    /// a resumed one still has what was applied in it (`kept`).
    public mutating func sessionBegan(generation: Int, kept: AppliedSkills? = nil) -> [Action] {
        applied = kept
        appliedGeneration = generation
        refused = nil
        reapply = .idle
        return kept.map { [.saveApplied($0)] } ?? []
    }

    /// A new configured default (reload); whether it changed.
    public mutating func configure(_ choice: SkillChoice?) -> Bool {
        defer { configured = choice }
        return choice != configured
    }

    /// A desired choice recorded elsewhere (cluster: etcd, by the agent's last owner); kept
    /// when it is a caller's and newer than ours.
    public mutating func adopt(_ shared: DesiredSkills) -> [Action] {
        guard shared.source == .caller, callerDesired.map({ $0.isOlder(than: shared) }) ?? true else { return [] }
        callerDesired = shared
        return [.saveDesired(shared)]
    }

    /// A reset with `choice` succeeded at `at` in session `generation` (`current`: the
    /// session now): it is that session's applied reset, and a caller's choice becomes
    /// the desired one.
    public mutating func succeeded(
        _ choice: SkillChoice, origin: ResetOrigin, at: Int64, requestID: String?, generation: Int, current: Int?
    ) -> [Action] {
        var actions: [Action] = []
        if current == generation {
            let record = AppliedSkills(choice: choice, origin: origin, at: at, requestID: requestID)
            applied = record
            appliedGeneration = generation
            actions.append(.saveApplied(record))
            if refused?.choice == choice { refused = nil }
            reapply = .idle
        }
        guard origin == .caller else { return actions }
        let changed = callerDesired?.choice != choice
        let chosen = DesiredSkills(choice: choice, source: .caller, setAt: at, requestID: requestID)
        callerDesired = chosen
        return actions + [.saveDesired(chosen), .shareDesired(chosen, changed: changed)]
    }

    /// A re-apply is waiting for its turn or under way.
    public mutating func reapplyPending() {
        if case .retrying = reapply { return }
        reapply = .pending
    }

    /// A re-apply of `choice` in session `generation` ended with `next`; `retcode`: the
    /// gateway's refusal, `problem`: why it is retried.
    public mutating func reapplyEnded(_ next: SkillSync.Next, choice: SkillChoice, generation: Int, retcode: Retcode?, problem: String?) {
        switch next {
        case .done, .stop: reapply = .idle
        case .refused:
            refused = (choice, generation)
            reapply = .refused(retcode ?? Retcode("000-002"))
        case .retry: reapply = .retrying(problem ?? "the gateway did not confirm the reset")
        }
    }
}
