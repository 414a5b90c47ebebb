import ShimCore
import Testing

/// The bulk reset's body: refused as a whole only when it is not the documented shape;
/// a wrong entry is its own row.
struct BulkResetRequestTests {
    static func parse(_ text: String, max: Int = 10) throws(ValidationError) -> BulkResetRequest {
        try BulkResetRequest.parse(body: Array(text.utf8), maxAgents: max)
    }

    @Test func validAndInvalidEntriesBecomeRowsInOrder() throws {
        let body = """
            {"agents": [
              {"agentId": "1001", "skills": [3, 7, 3], "phoneLinkage": false},
              {"agentId": 1002, "allConfiguredSkills": true},
              {"agentId": "1003", "skills": "3;7"},
              {"agentId": "12", "skills": [1]},
              {"skills": [1]},
              7,
              {"agentId": "1001", "skills": [1]},
              {"agentId": "1004", "skills": [1], "phonelinkage": true}
            ]}
            """
        let rows = try Self.parse(body).rows
        #expect(rows.count == 8)
        #expect(rows[0] == .valid(ResetSkillRequest(agent: AgentID("1001")!, selection: .skills([3, 7]), phoneLinkage: false)))
        #expect(rows[1] == .valid(ResetSkillRequest(agent: AgentID("1002")!, selection: .allConfigured, phoneLinkage: nil)))
        guard case .invalid("1003", let m2) = rows[2] else { Issue.record("\(rows[2])"); return }
        #expect(m2.contains("agents[2]") && m2.contains("skills"))
        #expect(rows[3].agentID == nil)
        guard case .invalid(nil, let m4) = rows[4] else { Issue.record("\(rows[4])"); return }
        #expect(m4.contains("no agentId"))
        #expect(rows[5].agentID == nil)
        guard case .invalid("1001", let m6) = rows[6] else { Issue.record("\(rows[6])"); return }
        #expect(m6.contains("more than once"))
        guard case .invalid("1004", let m7) = rows[7] else { Issue.record("\(rows[7])"); return }
        #expect(m7.contains("phonelinkage"))
    }

    @Test(arguments: [
        ("", "missing"),
        ("[]", "JSON object"),
        (#"{"agents": {}}"#, "must be an array"),
        (#"{"agents": []}"#, "empty"),
        (#"{"agents": [], "dryRun": true}"#, "unknown field 'dryRun'"),
        (#"{"agent": []}"#, "unknown field 'agent'"),
        (#"{"agents": [{"agentId":"1001","skills":[]},{"agentId":"1002","skills":[]},{"agentId":"1003","skills":[]}]}"#, "at most 2"),
    ])
    func malformedBodiesAreRefusedAsAWhole(text: String, fragment: String) {
        do {
            _ = try Self.parse(text, max: 2)
            Issue.record("accepted \(text)")
        } catch {
            #expect(error.message.contains(fragment), "\(error.message)")
        }
    }
}
