import Foundation
import GatewaySimulator
import ShimCore
import Testing

@Suite(.timeLimit(.minutes(1))) struct BasicFlowTests {
    @Test(arguments: [SimulatorOptions.AuthMode.static, .dynamic])
    func signsInAndResetsSkills(mode: SimulatorOptions.AuthMode) async throws {
        try await withHarness(
            inProcess: true, simulator: testSimulatorOptions(mode), yaml: { testShimYAML(gatewayURL: $0, caFile: $1, authMode: mode.rawValue) }
        ) {
            (h: Harness) async throws in
            let reply = try await h.resetSkill("1001", #"{"skills":[7,1,9]}"#)
            #expect(reply.status == 200)
            #expect(reply.json?["agentId"] == "1001")
            #expect(reply.json?["retcode"] == "0")
            #expect(reply.json?["result"] == .object([]))
            #expect(reply.json?["requestId"]?.stringValue == reply.header("X-Request-Id"))
            #expect(await h.gateway.joinedSkills("1001") == [1, 7])

            let logins = await h.journal("login")
            let resets = await h.journal("resetSkill")
            #expect(logins.count == 1)
            #expect(resets.count == 1)
            #expect(resets.first?.guidState == "current")
            #expect(resets.first?.query == "skillid=7;1;9")
            // The cookie handed out at sign-in comes back (PROTOCOL.md §1.2).
            #expect(resets.first?.cookie?.hasPrefix("ccgw-node=") == true)
        }
    }

    @Test func mapsEveryBodyShapeToTheGatewayCall() async throws {
        try await withHarness(inProcess: true) { (h: Harness) async throws in
            #expect(try await h.resetSkill("1001", #"{"skills":[]}"#).status == 200)
            #expect(try await h.resetSkill("1001", #"{"allConfiguredSkills":true,"phoneLinkage":true}"#).status == 200)
            #expect(try await h.resetSkill("1001", #"{"skills":[3,3,2],"phoneLinkage":false}"#).status == 200)
            let resets = await h.journal("resetSkill")
            #expect(
                resets.map(\.path) == [
                    "/agentgateway/resource/onlineagent/1001/resetskill/false",
                    "/agentgateway/resource/onlineagent/1001/resetskill/true",
                    "/agentgateway/resource/onlineagent/1001/resetskill/false",
                ])
            #expect(resets.map(\.query) == ["skillid=", "phonelinkage=1", "skillid=3;2&phonelinkage=0"])
            #expect(resets.map(\.joinedSkills) == [[], [1, 2, 3, 7], [2, 3]])
        }
    }

    @Test func showsAgentStatusWithoutSecrets() async throws {
        try await withHarness(inProcess: true) { (h: Harness) async throws in
            let before = try await h.request("GET", "/v1/agents/1002")
            #expect(before.status == 200)
            #expect(before.json?["signedIn"] == .bool(false))
            #expect(before.json?["guidAgeSeconds"] == .null)
            #expect(before.json?["lastPollAt"] == .null)
            _ = try await h.resetSkill("1002")
            // The first poll answers within the simulator's hold; a loaded machine may take longer than a fixed pause.
            var after = try await h.request("GET", "/v1/agents/1002")
            for _ in 0..<100 where after.json?["lastPollAt"] == .null {
                try await Task.sleep(for: .milliseconds(50))
                after = try await h.request("GET", "/v1/agents/1002")
            }
            #expect(after.json?["signedIn"] == .bool(true))
            #expect(after.json?["authMode"] == "dynamic")
            #expect(after.json?["signIns"] == .integer(1))
            #expect(after.json?["rotations"] == .integer(0))
            #expect(after.json?["lastPollAt"]?.stringValue?.hasSuffix("Z") == true)
            let list = try await h.request("GET", "/v1/agents")
            guard case .array(let agents)? = list.json?["agents"] else { Issue.record("no agents array"); return }
            #expect(agents.compactMap { $0["agentId"]?.stringValue } == ["1001", "1002", "1003"])
            for guid in await h.gateway.liveGUIDs() { #expect(!list.body.contains(guid) && !after.body.contains(guid)) }
            #expect(!list.body.contains("pw-100"))
            #expect(try await h.request("GET", "/v1/agents/4242").errorCode == "unknown_agent")
            #expect(try await h.request("GET", "/v1/agents/4242").status == 404)
            #expect(try await h.request("GET", "/healthz").status == 200)
        }
    }

    @Test func echoesOrGeneratesRequestIDs() async throws {
        try await withHarness(inProcess: true) { (h: Harness) async throws in
            let echoed = try await h.request("GET", "/healthz", headers: [("X-Request-Id", "crm-42")])
            #expect(echoed.header("X-Request-Id") == "crm-42")
            let generated = try await h.request("GET", "/healthz", headers: [("X-Request-Id", String(repeating: "x", count: 300))])
            #expect(generated.header("X-Request-Id")?.count ?? 0 > 0)
            #expect(generated.header("X-Request-Id")?.count ?? 999 < 64)
            let notFound = try await h.request("GET", "/nope")
            #expect(notFound.status == 404 && notFound.header("X-Request-Id") != nil)
            #expect(notFound.json?["requestId"]?.stringValue == notFound.header("X-Request-Id"))
        }
    }
}
