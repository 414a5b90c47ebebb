import ShimCore
import Testing

/// The rule that decides when a session needs the agent's desired skills re-applied,
/// and what a re-apply does after its call (issue "skills that stick").
struct SkillSyncTests {
    static let oneTwo = SkillChoice(selection: .skills([1, 2]))
    static let three = SkillChoice(selection: .skills([3]), phoneLinkage: true)
    static let all = SkillChoice(selection: .allConfigured)
    static func desired(_ choice: SkillChoice, _ source: DesiredSkills.Source = .caller) -> DesiredSkills {
        DesiredSkills(choice: choice, source: source, setAt: 5, requestID: "r")
    }
    static func applied(_ choice: SkillChoice, _ origin: ResetOrigin = .caller) -> AppliedSkills {
        AppliedSkills(choice: choice, origin: origin, at: 6, requestID: "r")
    }

    @Test(
        arguments: [
            // signedIn, desired, applied in this session, refused in this session → decision
            (true, nil, nil, nil, SkillSync.Decision.nothingDesired),
            (false, nil, applied(oneTwo), nil, .nothingDesired),
            (false, desired(oneTwo), nil, nil, .notSignedIn),
            // A new session (sign-in, take-back): nothing applied yet.
            (true, desired(oneTwo), nil, nil, .reapply(oneTwo)),
            (true, desired(all, .configured), nil, nil, .reapply(all)),
            // A resumed session that still has it, or a caller's reset that set it.
            (true, desired(oneTwo), applied(oneTwo), nil, .inSync),
            (true, desired(oneTwo), applied(oneTwo, .reapply), nil, .inSync),
            // The session has another choice (a caller's reset failed after a sign-in).
            (true, desired(oneTwo), applied(three), nil, .reapply(oneTwo)),
            // Phone linkage is part of the choice.
            (true, desired(SkillChoice(selection: .skills([3]))), applied(three), nil, .reapply(SkillChoice(selection: .skills([3])))),
            // Refused for this choice in this session: not sent again...
            (true, desired(oneTwo), nil, oneTwo, .refused),
            // ...until the choice changes.
            (true, desired(three), nil, oneTwo, .reapply(three)),
        ] as [(Bool, DesiredSkills?, AppliedSkills?, SkillChoice?, SkillSync.Decision)])
    func decide(signedIn: Bool, desired: DesiredSkills?, applied: AppliedSkills?, refused: SkillChoice?, expected: SkillSync.Decision) {
        #expect(SkillSync.decide(signedIn: signedIn, desired: desired, applied: applied, refused: refused) == expected)
    }

    @Test func inSyncIsNilWithoutSomethingToCompare() {
        #expect(SkillSync.inSync(signedIn: true, desired: nil, applied: nil) == nil)
        #expect(SkillSync.inSync(signedIn: false, desired: Self.desired(Self.oneTwo), applied: nil) == nil)
        #expect(SkillSync.inSync(signedIn: true, desired: Self.desired(Self.oneTwo), applied: nil) == false)
        #expect(SkillSync.inSync(signedIn: true, desired: Self.desired(Self.oneTwo), applied: Self.applied(Self.three)) == false)
        #expect(SkillSync.inSync(signedIn: true, desired: Self.desired(Self.oneTwo), applied: Self.applied(Self.oneTwo)) == true)
    }

    @Test(
        arguments: [
            (ResetSkillVerdict.succeeded, SkillSync.Next.done),
            (.rejected("000-002"), .refused),
            (.rejected("100-019"), .refused),
            (.sessionLost("100-006"), .retry),
            (.failed, .retry),
        ] as [(ResetSkillVerdict, SkillSync.Next)])
    func afterAnAnswer(verdict: ResetSkillVerdict, next: SkillSync.Next) {
        #expect(SkillSync.next(after: verdict) == next)
    }

    @Test(
        arguments: [
            (SessionFailure.Kind.transport(.timeout), SkillSync.Next.retry),
            (.transport(.unreachable), .retry),
            (.signInUnavailable, .retry),
            (.clusterUnavailable, .retry),
            (.signInRefused, .stop),
            (.signedInElsewhere, .stop),
            (.notOwner, .stop),
            (.closed, .stop),
            (.unusableAnswer, .stop),
        ] as [(SessionFailure.Kind, SkillSync.Next)])
    func afterAFailure(kind: SessionFailure.Kind, next: SkillSync.Next) {
        #expect(SkillSync.next(after: SessionFailure(kind, "x")) == next)
    }

    @Test func theGatewayJoinsTheIntersection() {
        #expect(SkillChoice(selection: .skills([5, 2, 9])).joined(configured: [1, 2, 3, 5]) == [5, 2])
        #expect(SkillChoice(selection: .skills([])).joined(configured: [1, 2]) == [])
        #expect(Self.all.joined(configured: [1, 2]) == [1, 2])
    }

    @Test(arguments: [oneTwo, three, all, SkillChoice(selection: .skills([]), phoneLinkage: false)])
    func choicesRoundTripThroughJSON(choice: SkillChoice) throws {
        let desired = DesiredSkills(choice: choice, source: .caller, setAt: 1_700_000_000_000, requestID: "req-1")
        let text = desired.json.serialized
        #expect(DesiredSkills(json: try JSONParser.parse(Array(text.utf8))) == desired)
        let applied = AppliedSkills(choice: choice, origin: .reapply, at: 42, requestID: nil)
        #expect(AppliedSkills(json: try JSONParser.parse(Array(applied.json.serialized.utf8))) == applied)
        #expect(DesiredSkills(json: .object([("skills", .string("1;2"))])) == nil)
    }

    @Test func aCallersChoiceWinsOverTheDefaultAndTheLaterOneWins() {
        let configured = DesiredSkills.configured(Self.all)
        let early = DesiredSkills(choice: Self.oneTwo, source: .caller, setAt: 10, requestID: nil)
        let late = DesiredSkills(choice: Self.three, source: .caller, setAt: 20, requestID: nil)
        #expect(configured.isOlder(than: early))
        #expect(!early.isOlder(than: configured))
        #expect(early.isOlder(than: late))
        #expect(!late.isOlder(than: early))
    }
}
