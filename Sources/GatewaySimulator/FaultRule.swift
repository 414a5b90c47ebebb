/// An injected fault (PROTOCOL.md §11 "Fault-injection knobs per route").
public struct FaultRule: Sendable {
    public enum Action: Sendable, Equatable {
        /// Answer HTTP 200 with this retcode instead of doing the work.
        case retcode(String)
        /// Answer this HTTP status with a non-JSON body.
        case httpStatus(Int)
        /// Send the head, then drop the connection mid-body.
        case reset
        /// Do the work (e.g. sign the agent in), then drop the connection: the answer is lost.
        case lostAnswer
        /// Wait, then carry on normally.
        case delay(Duration)
        /// Answer HTTP 200 with a body that is not JSON.
        case garbage
        /// Answer HTTP 200 with a body of this many bytes, streamed in 64 KiB pieces.
        case hugeBody(Int)
        /// Answer HTTP 200 and then send the body one byte every 100 ms, for a long time.
        case trickle
    }

    /// The operation (`resetSkill`, `login`, …) it applies to; nil: every one.
    public var operation: String?
    /// Only this agent; nil: every agent.
    public var agentID: String?
    public var action: Action
    /// How many more requests it hits; nil: until removed.
    public var remaining: Int?

    public init(operation: String?, agentID: String? = nil, action: Action, times: Int? = 1) {
        self.operation = operation
        self.agentID = agentID
        self.action = action
        self.remaining = times
    }
}

extension FaultRule.Action {
    /// The action an admin request names: `{"retcode": "000-003"}`, `{"http": 503}`,
    /// `{"hugeBody": 3145728}`, `{"delayMs": 500}`, or one of the flags `reset`,
    /// `trickle`, `lostAnswer`, `garbage` set to true. Nil for none of these.
    init?(json: [String: Any]) {
        let flags: [(name: String, action: FaultRule.Action)] = [
            ("reset", .reset), ("trickle", .trickle), ("lostAnswer", .lostAnswer), ("garbage", .garbage),
        ]
        if let code = json["retcode"] as? String {
            self = .retcode(code)
        } else if let status = json["http"] as? Int {
            self = .httpStatus(status)
        } else if let size = json["hugeBody"] as? Int {
            self = .hugeBody(size)
        } else if let milliseconds = json["delayMs"] as? Int {
            self = .delay(.milliseconds(milliseconds))
        } else if let flag = flags.first(where: { json[$0.name] as? Bool == true }) {
            self = flag.action
        } else {
            return nil
        }
    }
}
