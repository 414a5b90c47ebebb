import ShimCore
import Testing

@Suite struct ProtocolTests {
    let agent = AgentID("1001")!

    @Test func buildsGatewayPaths() {
        #expect(GatewayOperation.login(agent).pathAndQuery == "/agentgateway/resource/onlineagent/1001")
        #expect(GatewayOperation.forceLogin(agent).pathAndQuery == "/agentgateway/resource/onlineagent/1001/forcelogin")
        #expect(GatewayOperation.getAgentEvent(agent).pathAndQuery == "/agentgateway/resource/agentevent/1001")
        #expect(GatewayOperation.updateGuid(agent).pathAndQuery == "/agentgateway/resource/onlineagent/1001/updateGuid")
        #expect(GatewayOperation.logout(agent).pathAndQuery == "/agentgateway/resource/onlineagent/1001/logout")
        #expect(
            GatewayOperation.resetSkill(agent, .skills([3, 7, 12]), phoneLinkage: false).pathAndQuery
                == "/agentgateway/resource/onlineagent/1001/resetskill/false?skillid=3;7;12&phonelinkage=0")
        #expect(
            GatewayOperation.resetSkill(agent, .skills([]), phoneLinkage: nil).pathAndQuery
                == "/agentgateway/resource/onlineagent/1001/resetskill/false?skillid=")
        #expect(
            GatewayOperation.resetSkill(agent, .allConfigured, phoneLinkage: nil).pathAndQuery
                == "/agentgateway/resource/onlineagent/1001/resetskill/true")
        #expect(
            GatewayOperation.resetSkill(agent, .allConfigured, phoneLinkage: true).pathAndQuery
                == "/agentgateway/resource/onlineagent/1001/resetskill/true?phonelinkage=1")
        #expect(GatewayOperation.login(agent).method == "PUT" && !GatewayOperation.login(agent).needsGUID)
        #expect(GatewayOperation.logout(agent).method == "DELETE" && GatewayOperation.logout(agent).needsGUID)
    }

    @Test(arguments: [
        ("JSESSIONID=5c1f0d2e-8a77.AgentGateway0", "5c1f0d2e-8a77.AgentGateway0"),
        (" JSESSIONID=abc.AgentGateway1 ", "abc.AgentGateway1"),
        ("JSESSIONID=abc; Path=/", "abc"),
        ("abc.AgentGateway0", "abc.AgentGateway0"),
        ("JSESSIONID=", nil),
        ("", nil),
        ("OTHER=abc", nil),
    ])
    func parsesSetGUID(value: String, expected: String?) {
        #expect(GUIDHeader.parseSetGUID(value) == expected)
    }

    @Test func prefersSetGUIDOverGuidHeader() {
        #expect(GUIDHeader.guid(in: [(name: "Guid", value: "plain"), (name: "set-guid", value: "JSESSIONID=fromset")]) == "fromset")
        #expect(GUIDHeader.guid(in: [(name: "GUID", value: "plain")]) == "plain")
        #expect(GUIDHeader.guid(in: [(name: "Content-Type", value: "x")]) == nil)
    }

    @Test func decodesEnvelopes() throws {
        let ok = try GatewayEnvelope.decode(Array(#"{"message":"success","retcode":"0","result":{}}"#.utf8))
        #expect(ok.retcode == .success && ok.result == .object([]))
        let noRight = try GatewayEnvelope.decode(Array(#"{"message":"no right to invite resouce","result":"","retcode":"000-003"}"#.utf8))
        #expect(noRight.retcode == .noRight && noRight.result == .string(""))
        let old = try GatewayEnvelope.decode(Array(#"{"retcode":"0","msg":"x"}"#.utf8))
        #expect(old.message == "x")
        let update = try GatewayEnvelope.decode(Array(#"{"result":{"guid":"new.AgentGateway0"},"message":"success","retcode":"0"}"#.utf8))
        #expect(update.updatedGUID == "new.AgentGateway0")
        #expect(throws: GatewayEnvelope.DecodingError.self) { try GatewayEnvelope.decode(Array(#"{"retcode":0}"#.utf8)) }
        #expect(throws: GatewayEnvelope.DecodingError.self) { try GatewayEnvelope.decode(Array(#"{"message":""}"#.utf8)) }
        #expect(throws: GatewayEnvelope.DecodingError.self) { try GatewayEnvelope.decode(Array("<html>".utf8)) }
        #expect(throws: GatewayEnvelope.DecodingError.self) { try GatewayEnvelope.decode(Array("[]".utf8)) }
    }

    @Test(arguments: [
        ("0", Retcode.Disposition.success), ("000-002", .rejected), ("100-001", .rejected), ("000-003", .refreshGUID),
        ("100-006", .signInAgain), ("100-008", .signInAgain), ("105-005", .signInAgain), ("105-007", .signInAgain),
        ("100-007", .retryLater), ("000-004", .retryLater), ("000-007", .retryLater), ("100-021", .retryLater),
        ("100-002", .alreadySignedIn), ("100-004", .failed), ("999-999", .failed), ("00", .failed),
    ])
    func classifiesRetcodes(code: String, disposition: Retcode.Disposition) {
        #expect(Retcode(code).disposition == disposition)
    }

    @Test func cookieJarKeepsLatestValuePerName() {
        var jar = CookieJar()
        #expect(jar.cookieHeader == nil)
        jar.store(setCookie: "node=a; Path=/; HttpOnly")
        jar.store(setCookie: "lb=1")
        jar.store(setCookie: "node=b; Secure")
        jar.store(setCookie: "garbage")
        #expect(jar.cookieHeader == "lb=1; node=b")
    }
}
