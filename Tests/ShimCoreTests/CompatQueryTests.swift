import ShimCore
import Testing

@Suite struct CompatQueryTests {
    let agent = AgentID("1001")!

    @Test(arguments: [
        ("false", String?.some("skillid=3;7;12&phonelinkage=0"), SkillSelection.skills([3, 7, 12]), Bool?.some(false)),
        ("false", "skillid=3%3B7", .skills([3, 7]), nil),
        ("false", "skillid=", .skills([]), nil),
        ("false", nil, .skills([]), nil),
        ("true", "phonelinkage=1", .allConfigured, true),
        ("true", "skillid=1;2", .allConfigured, nil),
        ("TRUE", "skillid=1", .skills([1]), nil),
        ("yes", "skillid=1&other=x", .skills([1]), nil),
    ])
    func parsesGatewayQueries(autoflag: String, query: String?, selection: SkillSelection, phoneLinkage: Bool?) throws {
        let request = try ResetSkillRequest.parseCompat(agent: agent, autoflag: autoflag, query: query)
        #expect(request.selection == selection)
        #expect(request.phoneLinkage == phoneLinkage)
    }

    @Test(arguments: ["skillid=a", "skillid=1;;2", "skillid=1,2", "skillid=-1", "phonelinkage=2", "phonelinkage=true", "skillid=1&skillid=2"])
    func rejectsBadQueries(query: String) {
        #expect(throws: ValidationError.self) { try ResetSkillRequest.parseCompat(agent: agent, autoflag: "false", query: query) }
    }
}
