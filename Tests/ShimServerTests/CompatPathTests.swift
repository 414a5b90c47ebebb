import Foundation
import GatewaySimulator
import ShimCore
import Testing

/// `POST /agentgateway/resource/onlineagent/{id}/resetskill/{autoflag}`: a drop-in for the gateway's own path.
@Suite(.timeLimit(.minutes(1))) struct CompatPathTests {
    let path = "/agentgateway/resource/onlineagent/1001/resetskill"

    @Test func forwardsAndReturnsTheGatewayBodyUnchanged() async throws {
        try await withHarness(inProcess: true) { (h: Harness) async throws in
            let reply = try await h.request(
                "POST", "\(path)/false?skillid=3;7&phonelinkage=0&evil=1",
                headers: [("Guid", "caller-supplied-guid"), ("Cookie", "caller=cookie")])
            #expect(reply.status == 200)
            #expect(reply.body == #"{"message":"success","retcode":"0","result":{}}"#)
            let resets = await h.journal("resetSkill")
            #expect(resets.count == 1)
            #expect(resets.first?.query == "skillid=3;7&phonelinkage=0")
            #expect(resets.first?.guid != "caller-supplied-guid")
            #expect(resets.first?.guidState == "current")
            #expect(resets.first?.cookie?.contains("caller=cookie") == false)
            #expect(await h.gateway.joinedSkills("1001") == [3, 7])

            let all = try await h.request("POST", "\(path)/true")
            #expect(all.status == 200)
            #expect(await h.journal("resetSkill").last?.path == "\(path)/true")
            #expect(await h.journal("resetSkill").last?.query == nil)
        }
    }

    @Test func gatewayRetcodesPassThroughWhateverTheyAre() async throws {
        try await withHarness(inProcess: true) { (h: Harness) async throws in
            _ = try await h.request("POST", "\(path)/false?skillid=1")
            await h.gateway.addFault(FaultRule(operation: "resetSkill", action: .retcode("000-002")))
            let rejected = try await h.request("POST", "\(path)/false?skillid=1")
            #expect(rejected.status == 200)
            #expect(rejected.body == #"{"message":"injected fault","retcode":"000-002"}"#)
            await h.gateway.addFault(FaultRule(operation: "resetSkill", action: .retcode("000-003"), times: 2))
            let lost = try await h.request("POST", "\(path)/false?skillid=1")
            #expect(lost.status == 200)
            #expect(lost.json?["retcode"] == "000-003")
        }
    }

    @Test func shimSideFailuresUseTheShimStatuses() async throws {
        try await withHarness(inProcess: true) { (h: Harness) async throws in
            let bad = try await h.request("POST", "\(path)/false?skillid=1,2")
            #expect(bad.status == 400 && bad.errorCode == "invalid_request")
            let badLinkage = try await h.request("POST", "\(path)/false?phonelinkage=yes")
            #expect(badLinkage.status == 400)
            let unknown = try await h.request("POST", "/agentgateway/resource/onlineagent/4242/resetskill/false")
            #expect(unknown.status == 404 && unknown.errorCode == "unknown_agent")
            let badID = try await h.request("POST", "/agentgateway/resource/onlineagent/abc/resetskill/false")
            #expect(badID.status == 400)
            #expect(await h.gateway.entries().isEmpty)
        }
    }
}
