import Foundation
import GatewaySimulator
import ShimCore
import Testing

@testable import ShimServer

/// The agents' events as Server-Sent Events and long-polls: real shim, real sockets, the
/// HTTPS simulator making the events; an independent SSE parser (`SSEReader`).
@Suite(.timeLimit(.minutes(3))) struct EventStreamTests {
    static func yaml(_ url: String, _ caFile: String, sessions: String = "", extra: String = "") -> String {
        """
        listen: {host: 127.0.0.1, port: 0}
        gateway: {url: \(url), authMode: dynamic, caFile: \(caFile), requestTimeout: 5s, pollTimeout: 3s}
        sessions: {pollInterval: 20ms\(sessions.isEmpty ? "" : ", " + sessions)}
        agents:
          - {id: "1001", phone: "70001", password: "pw-1001-Secret!"}
          - {id: "1002", phone: "70002", password: "pw-1002-Secret!"}
          - {id: "1003", phone: "70003", password: "pw-1003-Secret!"}
        logging: {level: trace, format: json}
        \(extra)
        """
    }

    static func ringing(_ agent: String, caller: String, call: Int) -> String {
        #"{"eventType":"AgentEvent_Ringing","workNo":"\#(agent)","eventGenTime":1796556356419,"content":{"caller":"\#(caller)","called":"4001","callid":"1796556356-\#(call)","type":"main","feature":0,"mediaAbility":1}}"#
    }

    static func url(_ h: Harness, _ path: String) -> String { "http://127.0.0.1:\(h.shimPort)\(path)" }

    static func object(_ json: String) -> NSDictionary { ((try? JSONSerialization.jsonObject(with: Data(json.utf8))) as? NSDictionary) ?? [:] }

    @Test func eventsReachASubscriberInOrderAndAResumeGetsExactlyTheLaterOnes() async throws {
        try await withHarness(yaml: { Self.yaml($0, $1) }) { h in
            let live = try await SSEReader.open(h.client, Self.url(h, "/v1/agents/1001/events"))
            #expect(live.status == 200)
            #expect(live.contentType?.hasPrefix("text/event-stream") == true)
            #expect(try await h.resetSkill("1001", #"{"skills":[1,2]}"#).status == 200)
            // The simulator queues AgentOther_InService and AgentState_Ready at sign-in.
            try await live.waitFor(4)
            let queued = (1...3).map { Self.ringing("1001", caller: "0100555000\($0)", call: $0) }
            for json in queued { #expect(await h.gateway.queueEvent("1001", json: json)) }
            let all = try await live.waitFor(7)
            // The session's announcement comes first and the gateway's events in the order
            // polled; the caller's reset (`ccgw.skills.applied`) races the first poll, whose
            // answer may come before or after it.
            #expect(all.first?.event == "ccgw.session.signedIn")
            #expect(
                all.map(\.event).filter { !$0.hasPrefix("ccgw.") } == [
                    "AgentOther_InService", "AgentState_Ready", "AgentEvent_Ringing", "AgentEvent_Ringing", "AgentEvent_Ringing",
                ])
            #expect(all.prefix(4).filter { $0.event == "ccgw.skills.applied" }.count == 1)
            // One process, no gap: the SSE id is the event's own id, and ids order events.
            for message in all {
                #expect(message.id == message.eventID)
                #expect(message.object["agentId"] as? String == "1001")
                #expect(message.type == message.event)
                #expect((message.object["at"] as? String).flatMap { ISO8601DateFormatter.withFractionalSeconds.date(from: $0) } != nil)
            }
            let sequences = all.map { EventID($0.id)!.sequence }
            #expect(sequences == sequences.sorted() && Set(sequences).count == sequences.count)
            // The gateway's event exactly as polled.
            for (message, json) in zip(all.suffix(3), queued) {
                #expect((message.object["gateway"] as? NSDictionary) == Self.object(json))
                #expect(message.object["ccgw"] == nil)
            }
            #expect((all[0].object["ccgw"] as? NSDictionary) == ["origin": "signedIn"])

            // Resume after the fourth: exactly the three later ones, no gap, then live.
            let resumed = try await SSEReader.open(h.client, Self.url(h, "/v1/agents/1001/events"), headers: [("Last-Event-ID", all[3].id)])
            try await resumed.waitFor(3)
            try await Task.sleep(for: .milliseconds(300))
            #expect(resumed.messages.map(\.id) == all.suffix(3).map(\.id))
            #expect(await h.gateway.queueEvent("1001", json: Self.ringing("1001", caller: "01005550009", call: 9)))
            let next = try await resumed.waitFor(4)
            #expect(next[3].id == (try await live.waitFor(8))[7].id)

            // The long-poll form: the events after `after` at once, with the cursor to continue.
            let poll = try await h.request("GET", "/v1/agents/1001/events?after=\(all[4].id)", headers: [("Accept", "application/json")])
            #expect(poll.status == 200)
            let events = try #require(Self.object(poll.body)["events"] as? [NSDictionary])
            #expect(events.map { $0["id"] as? String } == [all[5].id, all[6].id, next[3].id])
            let cursor = try #require(Self.object(poll.body)["cursor"] as? String)
            #expect(cursor == next[3].id)
            // Nothing after the cursor: an empty answer when `wait` runs out.
            let empty = try await h.request("GET", "/v1/agents/1001/events?after=\(cursor)&wait=200ms", headers: [("Accept", "application/json")])
            #expect((Self.object(empty.body)["events"] as? [Any])?.isEmpty == true)
            live.close()
            resumed.close()
        }
    }

    @Test func aCursorOlderThanWhatIsKeptGetsAGapFirst() async throws {
        try await withHarness(yaml: { Self.yaml($0, $1, extra: "events: {retain: {perAgent: 3}}") }) { h in
            let live = try await SSEReader.open(h.client, Self.url(h, "/v1/agents/1001/events"))
            #expect(try await h.resetSkill("1001", #"{"skills":[1]}"#).status == 200)
            for call in 1...4 { #expect(await h.gateway.queueEvent("1001", json: Self.ringing("1001", caller: "0100555111\(call)", call: call))) }
            let all = try await live.waitFor(8)  // signedIn, applied, InService, Ready, 4 × Ringing; 3 kept
            let resumed = try await SSEReader.open(h.client, Self.url(h, "/v1/agents/1001/events?after=\(all[0].id)"))
            let got = try await resumed.waitFor(4)
            #expect(got[0].event == "ccgw.gap")
            #expect((got[0].object["ccgw"] as? NSDictionary) == ["lost": 4])  // the 2nd to the 5th
            #expect(got[0].object["agentId"] as? String == "1001")
            #expect(got.dropFirst().map(\.eventID) == all.suffix(3).map(\.eventID))
            // The gap's id resumes right after it: no second gap, nothing skipped.
            let again = try await SSEReader.open(h.client, Self.url(h, "/v1/agents/1001/events"), headers: [("Last-Event-ID", got[0].id)])
            try await again.waitFor(3)
            try await Task.sleep(for: .milliseconds(300))
            #expect(again.messages.map(\.eventID) == all.suffix(3).map(\.eventID))
            // An id from an earlier process: everything kept, after a gap of unknown size.
            let earlier = try await SSEReader.open(h.client, Self.url(h, "/v1/events"), headers: [("Last-Event-ID", "zzzzzzzz-12")])
            let fromEarlier = try await earlier.waitFor(4)
            #expect(fromEarlier[0].event == "ccgw.gap")
            #expect((fromEarlier[0].object["ccgw"] as? NSDictionary)?["lost"] is NSNull)
            #expect(fromEarlier[0].object["agentId"] is NSNull)
            let bad = try await h.request("GET", "/v1/events?after=not-an-id!", headers: [("Accept", "application/json")])
            #expect(bad.status == 400)
            for reader in [live, resumed, again, earlier] { reader.close() }
        }
    }

    @Test func aCallerSeesOnlyTheAgentsInItsScope() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ccgw-events-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let tokenFile = directory.appendingPathComponent("t").path
        let adminFile = directory.appendingPathComponent("a").path
        try "crm-token-0123456789".write(toFile: tokenFile, atomically: true, encoding: .utf8)
        try "admin-token-0123456789".write(toFile: adminFile, atomically: true, encoding: .utf8)
        let clients = """
            clients:
              - {name: crm, tokenFile: \(tokenFile), agents: ["1002"]}
              - {name: admin, tokenFile: \(adminFile), agents: ["*"]}
            """
        try await withHarness(yaml: { Self.yaml($0, $1, extra: clients) }) { h in
            let crm = [("Authorization", "Bearer crm-token-0123456789")]
            let admin = [("Authorization", "Bearer admin-token-0123456789")]
            #expect(try await h.request("GET", "/v1/agents/1001/events", headers: crm).status == 403)
            #expect(try await h.request("GET", "/v1/events?agent=1001", headers: crm).status == 403)
            #expect(try await h.request("GET", "/v1/events").status == 401)
            #expect(try await h.request("GET", "/v1/agents/1099/events", headers: admin).status == 404)
            let scoped = try await SSEReader.open(h.client, Self.url(h, "/v1/events?type=ccgw.*,AgentState_Ready"), headers: crm)
            let everyone = try await SSEReader.open(h.client, Self.url(h, "/v1/events"), headers: admin)
            #expect(scoped.status == 200 && everyone.status == 200)
            #expect(try await h.resetSkill("1001", #"{"skills":[1]}"#, headers: admin).status == 200)
            #expect(try await h.resetSkill("1002", #"{"skills":[1]}"#, headers: admin).status == 200)
            try await everyone.waitFor(8)
            let seen = try await scoped.waitFor(3)  // 1002: signedIn, applied, Ready (InService filtered out)
            try await Task.sleep(for: .milliseconds(300))
            #expect(scoped.messages.allSatisfy { $0.object["agentId"] as? String == "1002" })
            #expect(Set(seen.map(\.event)) == ["ccgw.session.signedIn", "ccgw.skills.applied", "AgentState_Ready"])
            #expect(Set(everyone.messages.compactMap { $0.object["agentId"] as? String }) == ["1001", "1002"])
            scoped.close()
            everyone.close()
        }
    }

    /// The shim's own events: sign-in, a caller's reset, the gateway ending the session, the
    /// sign-in again (`keepSignedIn`) and its re-apply, in the order they happened.
    @Test func theShimsOwnEventsTellWhatBecameOfTheSession() async throws {
        try await withHarness(yaml: { Self.yaml($0, $1, sessions: "keepSignedIn: true") }) { h in
            let own = try await SSEReader.open(h.client, Self.url(h, "/v1/agents/1001/events?type=ccgw.*"))
            #expect(try await h.resetSkill("1001", #"{"skills":[3,7,9]}"#).status == 200)
            try await own.waitFor(2)
            // Reads the gateway's configured skills: the re-apply's event can tell what it joined.
            #expect(try await h.request("GET", "/v1/agents/1001/skills").status == 200)
            await h.gateway.signOutUnpolled("1001")
            let all = try await own.waitFor(5)
            #expect(
                all.map(\.event) == [
                    "ccgw.session.signedIn", "ccgw.skills.applied", "ccgw.session.ended", "ccgw.session.signedIn", "ccgw.skills.applied",
                ])
            let applied = try #require(all[1].object["ccgw"] as? NSDictionary)
            #expect(applied["origin"] as? String == "caller")
            #expect(applied["joined"] is NSNull)  // not known yet
            #expect(applied["skills"] as? [Int] == [3, 7, 9])
            #expect(applied["allConfiguredSkills"] as? Bool == false)
            #expect((all[2].object["ccgw"] as? NSDictionary)?["retcode"] as? String == "100-006")
            #expect((all[2].object["ccgw"] as? NSDictionary)?["reason"] as? String == "gateway")
            let reapplied = try #require(all[4].object["ccgw"] as? NSDictionary)
            #expect(reapplied["origin"] as? String == "reapply")
            #expect(reapplied["skills"] as? [Int] == [3, 7, 9])
            #expect(reapplied["joined"] as? [Int] == [3, 7])  // the simulator configures 1, 2, 3, 7 for 1001
            own.close()
        }
    }

    /// A subscriber that stops reading is cut off once `subscriberQueue` events wait for it;
    /// the poll loop, resets and other subscribers go on.
    @Test func aSubscriberThatStopsReadingIsCutOff() async throws {
        try await withHarness(yaml: { Self.yaml($0, $1, extra: "events: {subscriberQueue: 4}") }) { h in
            let stalled = try StalledSocket(port: h.shimPort, path: "/v1/agents/1001/events")
            defer { stalled.close() }
            let reader = try await SSEReader.open(h.client, Self.url(h, "/v1/agents/1001/events"))
            #expect(try await h.resetSkill("1001", #"{"skills":[1]}"#).status == 200)
            // Big events fill the socket buffers of the stalled subscriber, then its queue.
            let padding = String(repeating: "x", count: 256 * 1024)
            for call in 1...60 {
                let json = #"{"eventType":"Big","workNo":"1001","content":{"pad":"\#(padding)","n":\#(call)}}"#
                #expect(await h.gateway.queueEvent("1001", json: json))
            }
            let cutOff = await eventually(.seconds(60)) {
                let metrics = try? await h.request("GET", "/metrics")
                return metrics?.body.contains("ccgw_event_subscribers_cut_off_total 1") == true
            }
            #expect(cutOff)
            #expect(try await h.resetSkill("1001", #"{"skills":[2]}"#).status == 200)
            let got = try await reader.waitFor(within: .seconds(60)) {
                ($0.object["gateway"] as? NSDictionary)?["content"].flatMap { ($0 as? NSDictionary)?["n"] as? Int } == 60
            }
            #expect(got.event == "Big")
            #expect(!reader.ended)
            let metrics = try await h.request("GET", "/metrics").body
            #expect(metrics.contains("ccgw_event_subscribers 1"))
            reader.close()
        }
    }

    /// `events.maxSubscribers` caps the callers' open streams and waiting long-polls: one
    /// more gets 503 `too_many_subscribers`; resets are unaffected; a closed stream frees
    /// its place.
    @Test func subscribersPastTheLimitAreRefused() async throws {
        try await withHarness(yaml: { Self.yaml($0, $1, extra: "events: {maxSubscribers: 2, keepAlive: 1s}") }) { h in
            let first = try await SSEReader.open(h.client, Self.url(h, "/v1/events"))
            let second = try await SSEReader.open(h.client, Self.url(h, "/v1/agents/1001/events"))
            #expect(first.status == 200 && second.status == 200)
            for (path, accept) in [("/v1/events", "text/event-stream"), ("/v1/agents/1002/events?wait=1s", "application/json")] {
                let refused = try await h.request("GET", path, headers: [("Accept", accept)])
                #expect(refused.status == 503)
                #expect(refused.errorCode == "too_many_subscribers")
                #expect(refused.header("Retry-After") == "5")
                #expect(refused.json?["error"]?["message"]?.stringValue?.contains("events.maxSubscribers") == true)
            }
            // Open streams do not hold the API: a reset answers, and its events reach both.
            #expect(try await h.resetSkill("1001", #"{"skills":[1]}"#).status == 200)
            _ = try await second.waitFor { $0.event == "ccgw.skills.applied" }
            let metrics = try await h.request("GET", "/metrics").body
            #expect(metrics.contains("ccgw_event_subscribers 2"))
            // A closed stream frees its place once the shim sees the connection end: at its
            // next write, a keep-alive comment at the latest.
            second.close()
            let reopened = await eventually(.seconds(20)) {
                let reply = try? await h.request("GET", "/v1/agents/1002/events?wait=0s", headers: [("Accept", "application/json")])
                return reply?.status == 200
            }
            #expect(reopened)
            #expect(!first.ended)
            first.close()
        }
    }

    /// An idle stream gets a comment line every `events.keepAlive`, and no event.
    @Test func anIdleStreamGetsKeepAliveComments() async throws {
        try await withHarness(yaml: { Self.yaml($0, $1, extra: "events: {keepAlive: 1s}") }) { h in
            let reader = try await SSEReader.open(h.client, Self.url(h, "/v1/agents/1002/events"))
            let opening = await eventually { reader.comments >= 1 }
            #expect(opening)
            let kept = await eventually(.seconds(20)) { reader.comments >= 3 }
            #expect(kept)
            #expect(reader.messages.isEmpty && !reader.ended)
            reader.close()
        }
    }

    /// At shutdown open streams end with `ccgw.stream.closed` (reason `shutting_down`).
    @Test func openStreamsEndAtShutdown() async throws {
        try await withHarness(yaml: { Self.yaml($0, $1) }) { h in
            let reader = try await SSEReader.open(h.client, Self.url(h, "/v1/events"))
            #expect(try await h.resetSkill("1001", #"{"skills":[1]}"#).status == 200)
            let before = try await reader.waitFor(4)
            await h.beginStop()
            try await reader.waitForEnd()
            let closed = try #require(reader.messages.last)
            #expect(closed.event == "ccgw.stream.closed")
            #expect((closed.object["ccgw"] as? NSDictionary)?["reason"] as? String == "shutting_down")
            // Its id resumes after the last event the stream delivered.
            #expect(closed.id == reader.messages[reader.messages.count - 2].id)
            #expect(before.count >= 4)
        }
    }
}

extension ISO8601DateFormatter {
    static var withFractionalSeconds: ISO8601DateFormatter {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter
    }
}
