import ShimCore
import Testing

@Suite struct AgentIDTests {
    @Test(arguments: ["101", "1001", "59999", "999999"])
    func acceptsCanonicalIDs(text: String) {
        #expect(AgentID(text)?.rawValue == text)
    }

    @Test(arguments: ["", "100", "1000000", "0101", "+101", "-101", " 101", "101 ", "1e3", "10a1", "١٠١", "9999999999999999999999"])
    func rejectsOthers(text: String) {
        #expect(AgentID(text) == nil)
    }
}
