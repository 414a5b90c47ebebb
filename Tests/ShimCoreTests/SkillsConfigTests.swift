import Testing

@testable import ShimCore

/// The config keys of desired skills and the bulk reset: defaults, values, and one line
/// naming the key when a value is wrong.
struct SkillsConfigTests {
    static func yaml(_ extra: String, agentExtra: String = "") -> String {
        """
        gateway: {url: "https://gw.example:8043", authMode: dynamic}
        agents:
          - {id: "1001", phone: "70001", password: a\(agentExtra)}
          - {id: "1002", phone: "70002", password: b}
        \(extra)
        """
    }

    @Test func defaults() throws {
        let config = try ConfigParser.parse(yaml: Self.yaml(""))
        #expect(config.skills == .init())
        #expect(config.skills.configuredCacheTTL == .seconds(30))
        #expect(config.bulk.concurrency == 8 && config.bulk.ratePerSecond == 50 && config.bulk.maxAgents == 10_000)
        #expect(config.sessions.keepSignedIn == false)
        #expect(config.agents.allSatisfy { $0.skills == nil })
    }

    @Test func anAgentsOwnSkillsWinOverTheDefault() throws {
        let config = try ConfigParser.parse(
            yaml: Self.yaml(
                "skills: {default: [1, 2], configuredCacheTTL: 5s, reapplyMaxBackoff: 2s}\nbulk: {concurrency: 4, ratePerSecond: 200, maxAgents: 500}\nsessions: {keepSignedIn: true}",
                agentExtra: ", skills: {skills: all, phoneLinkage: true}"))
        #expect(config.agents[0].skills == SkillChoice(selection: .allConfigured, phoneLinkage: true))
        #expect(config.agents[1].skills == SkillChoice(selection: .skills([1, 2])))
        #expect(config.skills.configuredCacheTTL == .seconds(5))
        #expect(config.skills.reapplyMaxBackoff == .seconds(2))
        #expect(config.bulk == ShimConfig.Bulk(concurrency: 4, ratePerSecond: 200, maxAgents: 500))
        #expect(config.sessions.keepSignedIn)
        let empty = try ConfigParser.parse(yaml: Self.yaml("", agentExtra: ", skills: []"))
        #expect(empty.agents[0].skills == SkillChoice(selection: .skills([])))
    }

    @Test(arguments: [
        ("skills: {default: [1, -2]}", "", "skills.default[1]"),
        ("skills: {default: some}", "", "skills.default"),
        ("skills: {defualt: [1]}", "", "skills.defualt"),
        ("", ", skills: {skills: [1], phonelinkage: true}", "agents[0].skills.phonelinkage"),
        ("", ", skills: {phoneLinkage: true}", "agents[0].skills.skills"),
        ("bulk: {concurrency: 0}", "", "bulk.concurrency"),
        ("bulk: {ratePerSecond: fast}", "", "bulk.ratePerSecond"),
        ("sessions: {keepSignedIn: yes}", "", "sessions.keepSignedIn"),
    ])
    func aBadValueNamesItsKey(extra: String, agentExtra: String, key: String) {
        do {
            _ = try ConfigParser.parse(yaml: Self.yaml(extra, agentExtra: agentExtra))
            Issue.record("accepted \(extra)\(agentExtra)")
        } catch {
            #expect(error.key == key, "\(error)")
        }
    }
}

extension ShimConfig.Bulk {
    init(concurrency: Int, ratePerSecond: Int, maxAgents: Int) {
        self.init()
        self.concurrency = concurrency
        self.ratePerSecond = ratePerSecond
        self.maxAgents = maxAgents
    }
}
