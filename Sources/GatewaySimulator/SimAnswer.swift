/// What a simulated gateway route answers: always HTTP 200 with the envelope
/// `{"message", "retcode", "result"?, "event"?}` (PROTOCOL.md §1.3), plus headers.
struct SimAnswer: Sendable {
    var retcode: String
    var message: String
    /// Pre-serialised JSON for `result`, if any.
    var resultJSON: String?
    /// Pre-serialised JSON for `event`, if any.
    var eventJSON: String?
    /// A GUID to hand out as `Set-GUID: JSESSIONID=<guid>`.
    var setGUID: String?
    var plainGuidHeader: String?
    var setCookie: String?
    var joinedSkills: [Int]?
    var guidState: String?

    init(_ retcode: String, _ message: String = "", result: String? = nil) {
        self.retcode = retcode
        self.message = message
        self.resultJSON = result
    }

    static let noRight = SimAnswer("000-003", "no right to invite resouce", result: "\"\"")
    static let notSignedIn = SimAnswer("100-006", "agent not signed in")
    static let badParameter = SimAnswer("000-002", "invalid parameter", result: "{}")
    static let repeated = SimAnswer("000-007", "interface called repeatedly")

    /// The JSON body.
    var body: String {
        var text = "{\"message\":\"\(message)\",\"retcode\":\"\(retcode)\""
        if let resultJSON { text += ",\"result\":\(resultJSON)" }
        if let eventJSON { text += ",\"event\":\(eventJSON)" }
        return text + "}"
    }
}
