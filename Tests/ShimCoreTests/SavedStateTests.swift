import ShimCore
import Testing

/// The state file's format and the rule that makes a saved session ours (issue #10).
struct SavedStateTests {
    static let url = "https://gw.example:8043"
    static let sample = SavedState(
        gatewayURL: url, authMode: "dynamic",
        sessions: [
            AgentID("1001")!: SavedSession(guid: "g-1.AgentGateway0", cookies: "lb=a; x=1", signIn: "s1", phone: "70001", contactAt: 1_000_000),
            AgentID("1002")!: SavedSession(guid: nil, cookies: nil, signIn: "s2", phone: "70002", contactAt: 2_000_000),
            AgentID("1003")!: SavedSession(
                guid: "g-3", cookies: nil, signIn: "s3", phone: "70003", contactAt: 3_000_000,
                applied: AppliedSkills(choice: SkillChoice(selection: .skills([1, 2])), origin: .reapply, at: 3_000_001, requestID: "reapply-x")),
        ],
        desired: [
            AgentID("1003")!: DesiredSkills(choice: SkillChoice(selection: .skills([1, 2])), source: .caller, setAt: 2_999_000, requestID: "req-9"),
            AgentID("1004")!: DesiredSkills(choice: SkillChoice(selection: .allConfigured, phoneLinkage: true), source: .caller, setAt: 7),
        ])

    /// A file written before desired skills existed still reads.
    @Test func aFileWithoutDesiredSkillsReads() throws {
        let text =
            #"{"format":"ccgw-shim-sessions","version":1,"gateway":"https://gw.example:8043","authMode":"dynamic","#
            + #""sessions":{"1001":{"guid":"g","cookies":null,"signIn":"a","phone":"1","contactAt":1}}}"#
        let state = try SavedState.decode(Array(text.utf8), gatewayURL: Self.url, authMode: "dynamic")
        #expect(state.desired.isEmpty)
        #expect(state.sessions[AgentID("1001")!]?.applied == nil)
    }

    @Test func roundTrips() throws {
        let text = Self.sample.encoded()
        #expect(try SavedState.decode(Array(text.utf8), gatewayURL: Self.url, authMode: "dynamic") == Self.sample)
    }

    @Test(arguments: [
        ("", "not JSON"),
        ("{\"format\":\"ccgw-shim-sessions\",\"version\":1,\"gateway\"", "not JSON"),
        ("{\"format\":\"other\",\"version\":1}", "not a ccgw-shim state file"),
        ("{\"format\":\"ccgw-shim-sessions\",\"version\":2}", "another version"),
        (
            "{\"format\":\"ccgw-shim-sessions\",\"version\":1,\"gateway\":\"https://other:8043\",\"authMode\":\"dynamic\",\"sessions\":{}}",
            "another gateway.url"
        ),
        (
            "{\"format\":\"ccgw-shim-sessions\",\"version\":1,\"gateway\":\"https://gw.example:8043\",\"authMode\":\"static\",\"sessions\":{}}",
            "another gateway.authMode"
        ),
        (
            "{\"format\":\"ccgw-shim-sessions\",\"version\":1,\"gateway\":\"https://gw.example:8043\",\"authMode\":\"dynamic\",\"sessions\":{\"1001\":{\"guid\":5}}}",
            "damaged"
        ),
        (
            "{\"format\":\"ccgw-shim-sessions\",\"version\":1,\"gateway\":\"https://gw.example:8043\",\"authMode\":\"dynamic\",\"sessions\":{\"12\":{\"guid\":null,\"cookies\":null,\"signIn\":\"a\",\"phone\":\"1\",\"contactAt\":1}}}",
            "damaged"
        ),
        (
            "{\"format\":\"ccgw-shim-sessions\",\"version\":1,\"gateway\":\"https://gw.example:8043\",\"authMode\":\"dynamic\",\"sessions\":{},\"desired\":{\"1001\":{\"skills\":\"1;2\"}}}",
            "desired skills entry is damaged"
        ),
    ])
    func refusesWhatItCannotUse(text: String, reason: String) {
        do {
            _ = try SavedState.decode(Array(text.utf8), gatewayURL: Self.url, authMode: "dynamic")
            Issue.record("decoded a file it cannot use: \(reason)")
        } catch {
            #expect(error.reason.contains(reason), "\(error.reason)")
        }
    }

    @Test func aTruncatedFileIsRefused() {
        let text = Self.sample.encoded()
        for length in stride(from: 0, to: text.utf8.count - 2, by: 7) {
            #expect(throws: SavedState.Unusable.self) {
                try SavedState.decode(Array(text.utf8.prefix(length)), gatewayURL: Self.url, authMode: "dynamic")
            }
        }
    }

    @Test(arguments: [
        // guid, contactAt, now, window (s) → reason
        (String?.some("g"), Int64(0), Int64(119_999), 120, TakeoverReason?.some(.savedSession)),
        ("g", 0, 120_000, 120, nil),
        (nil, 0, 1_000, 120, .lostAnswer),
        (nil, 0, 5_000, 3, nil),
    ])
    func aSavedSessionIsOursOnlyInsideTheWindow(guid: String?, contactAt: Int64, now: Int64, window: Int, reason: TakeoverReason?) {
        let session = SavedSession(guid: guid, cookies: nil, signIn: "s", phone: "1", contactAt: contactAt)
        #expect(session.takeoverReason(now: now, unpolledSignOut: .seconds(window)) == reason)
    }

    @Test func takeoverReasonsTellOwnSessionsFromConfiguredOnes() {
        #expect(!TakeoverReason.configured.isOwnSession)
        #expect([TakeoverReason.lostAnswer, .staleGUID, .savedSession].allSatisfy { $0.isOwnSession })
    }

    @Test func cookiesSurviveTheJarRoundTrip() {
        var jar = CookieJar()
        jar.store(setCookie: "lb=node-2; Path=/; HttpOnly")
        jar.store(setCookie: "JSESSIONID=abc")
        #expect(CookieJar(cookieHeader: jar.cookieHeader) == jar)
        #expect(CookieJar(cookieHeader: nil).isEmpty)
    }

    @Test func durationsInMilliseconds() {
        #expect(Duration.seconds(120).milliseconds == 120_000)
        #expect(Duration.milliseconds(1500).milliseconds == 1500)
        #expect(Duration.seconds(Int64.max).milliseconds == .max)
    }
}
