import Foundation

/// The simulator's made-up calls (`ringEvery`): each signed-in agent is rung about every
/// `every` (jittered ±50 %), and each call is the event series a real gateway sends for an
/// answered inbound call, with invented numbers: `AgentEvent_Ringing` (API reference
/// cec_07_1366), `AgentEvent_Talking` 2 s later (cec_07_1355), then
/// `AgentEvent_Customer_Release` (cec_07_1364) and `AgentEvent_Call_Release` (cec_07_1363,
/// whose content is the call id as a string) 5 s after the ring.
struct SimCallMaker {
    let every: Duration
    private var nextRing: [String: ContinuousClock.Instant] = [:]
    /// Events due later, by due time (appended in order: the delays are fixed).
    private var later: [(due: ContinuousClock.Instant, agent: String, json: String)] = []
    private var calls = 0

    init(every: Duration) { self.every = every }

    /// The events to queue now, for the agents signed in now.
    mutating func due(signedIn: some Sequence<String>, now: ContinuousClock.Instant) -> [(agent: String, json: String)] {
        var out: [(agent: String, json: String)] = []
        var seen = Set<String>()
        for agent in signedIn {
            seen.insert(agent)
            guard let next = nextRing[agent] else {
                nextRing[agent] = now + every * Double.random(in: 0.1...1.0)
                continue
            }
            guard next <= now else { continue }
            nextRing[agent] = now + every * Double.random(in: 0.5...1.5)
            calls += 1
            let callID = "\(Int(Date().timeIntervalSince1970))-\(calls)"
            let caller = "0100555\(String(format: "%04d", Int.random(in: 0...9999)))"
            let content = Self.callContent(caller: caller, callID: callID)
            out.append((agent, Self.event("AgentEvent_Ringing", agent, content)))
            later.append((now + .seconds(2), agent, Self.event("AgentEvent_Talking", agent, content)))
            later.append(
                (now + .seconds(5), agent, Self.event("AgentEvent_Customer_Release", agent, "{\"callid\":\"\(callID)\",\"number\":\"\(caller)\"}")))
            later.append((now + .seconds(5), agent, Self.event("AgentEvent_Call_Release", agent, "\"\(callID)\"")))
        }
        for agent in nextRing.keys where !seen.contains(agent) { nextRing[agent] = nil }
        let ready = later.prefix { $0.due <= now }
        out += ready.map { ($0.agent, $0.json) }
        later.removeFirst(ready.count)
        return out
    }

    static func callContent(caller: String, callID: String) -> String {
        "{\"caller\":\"\(caller)\",\"called\":\"4001\",\"callid\":\"\(callID)\",\"type\":\"main\",\"feature\":0,\"mediaAbility\":1}"
    }

    static func event(_ type: String, _ agent: String, _ content: String) -> String {
        "{\"eventType\":\"\(type)\",\"workNo\":\"\(agent)\",\"eventGenTime\":\(Int64(Date().timeIntervalSince1970 * 1000)),\"content\":\(content)}"
    }
}
