import ShimCore
import Testing

@Suite struct ResetSkillBodyTests {
    let agent = AgentID("1001")!

    func parse(_ text: String) throws(ValidationError) -> ResetSkillRequest {
        try ResetSkillRequest.parse(agent: agent, body: Array(text.utf8))
    }

    @Test(arguments: [
        (#"{"skills":[3,7,12]}"#, SkillSelection.skills([3, 7, 12]), Bool?.none),
        (#"{"skills":[]}"#, .skills([]), nil),
        (#"{"skills":[7,3,7,3]}"#, .skills([7, 3]), nil),
        (#"{"allConfiguredSkills":true}"#, .allConfigured, nil),
        (#"{"allConfiguredSkills":true,"skills":[]}"#, .allConfigured, nil),
        (#"{"allConfiguredSkills":false,"skills":[1]}"#, .skills([1]), nil),
        (#"{"skills":[1],"phoneLinkage":true}"#, .skills([1]), true),
        (#"{"skills":[1],"phoneLinkage":false}"#, .skills([1]), false),
        (#"{"skills":[7.0,3e0]}"#, .skills([7, 3]), nil),
    ])
    func acceptsValidBodies(text: String, selection: SkillSelection, phoneLinkage: Bool?) throws {
        let request = try parse(text)
        #expect(request.selection == selection)
        #expect(request.phoneLinkage == phoneLinkage)
    }

    @Test(arguments: [
        ("", "missing"),
        ("not json", "not valid JSON"),
        ("[1]", "must be a JSON object"),
        ("{}", "send 'skills'"),
        (#"{"allConfiguredSkills":false}"#, "send 'skills'"),
        (#"{"allConfiguredSkills":true,"skills":[1]}"#, "not both"),
        (#"{"skills":[0]}"#, "skills[0] must be a positive integer"),
        (#"{"skills":[-3]}"#, "skills[0] must be a positive integer"),
        (#"{"skills":[1,2.5]}"#, "skills[1] must be a positive integer"),
        (#"{"skills":[1e400]}"#, "skills[0] must be a positive integer"),
        (#"{"skills":[0.0]}"#, "skills[0] must be a positive integer"),
        (#"{"skills":["3"]}"#, "skills[0] must be a positive integer"),
        (#"{"skills":3}"#, "field 'skills' must be an array"),
        (#"{"skills":[1],"phoneLinkage":1}"#, "field 'phoneLinkage' must be a boolean"),
        (#"{"allConfiguredSkills":"true"}"#, "field 'allConfiguredSkills' must be a boolean"),
        (#"{"skills":[1],"phonelinkage":true}"#, "unknown field 'phonelinkage'"),
        (#"{"skills":[1],"skills":[2]}"#, "appears more than once"),
    ])
    func rejectsInvalidBodies(text: String, fragment: String) {
        #expect {
            _ = try parse(text)
        } throws: { error in
            (error as? ValidationError)?.message.contains(fragment) == true
        }
    }

    @Test func enforcesSkillIDLengthAfterDeduplication() throws {
        // 800 distinct 4-digit ids joined: 800*4 + 799 = 3999 characters: allowed.
        let ids = (1000..<1800).map(String.init).joined(separator: ",")
        #expect(try parse("{\"skills\":[\(ids)]}").selection.joinedSkillIDs?.count == 3999)
        // 801 ids: 4004 characters: refused.
        let tooMany = (1000..<1801).map(String.init).joined(separator: ",")
        #expect(throws: ValidationError.self) { try parse("{\"skills\":[\(tooMany)]}") }
        // Duplicates do not count: the same 800 ids twice still pass.
        #expect(try parse("{\"skills\":[\(ids),\(ids)]}").selection.joinedSkillIDs?.count == 3999)
    }

    @Test func unknownFieldNamesAreCutAndCleaned() {
        let long = String(repeating: "x", count: 500)
        #expect {
            _ = try parse("{\"\(long)\\n\":1}")
        } throws: { error in
            let message = (error as? ValidationError)?.message ?? ""
            return message.count < 200 && !message.contains("\n")
        }
    }
}
