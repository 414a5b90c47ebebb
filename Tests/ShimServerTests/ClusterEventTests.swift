import Foundation
import GatewaySimulator
import ShimCore
import Testing

/// Events in a cluster: a subscriber on any member gets the events of every agent,
/// whichever member owns it; after `kill -9` of an owner the stream goes on with a gap
/// (what the dead member had not sent) and `ccgw.owner.changed`; a cursor resumes on
/// another member. In `ClusterTests` (serialized): one cluster at a time.
extension ClusterTests {
    @Test func aSubscriberOnOneMemberFollowsEveryOwnerAndAFailover() async throws {
        try await withClusterRig(agents: 9) { rig in
            for member in Self.members { try await rig.start(member) }
            let owners = try await Self.signInAll(rig)
            let byMember = Dictionary(grouping: owners.keys, by: { owners[$0]! })
            let url = "http://127.0.0.1:\(try rig.port(of: "shim-a"))/v1/events?type=AgentEvent_Ringing,ccgw.owner.changed,ccgw.gap"
            let reader = try await SSEReader.open(rig.client, url)
            #expect(reader.status == 200)
            // One agent of each member rings; the subscriber on shim-a hears all three.
            var rung: [String: String] = [:]
            for member in Self.members {
                let agent = try #require(byMember[member]?.sorted().first)
                rung[member] = agent
            }
            let heard = await eventually(.seconds(20)) {
                for (member, agent) in rung {
                    _ = await rig.gateway.queueEvent(agent, json: EventStreamTests.ringing(agent, caller: "0100555\(member.suffix(1))", call: 1))
                }
                try? await Task.sleep(for: .milliseconds(300))
                let agents = Set(reader.messages.filter { $0.event == "AgentEvent_Ringing" }.compactMap { $0.object["agentId"] as? String })
                return Set(rung.values).isSubset(of: agents)
            }
            #expect(heard, "\(reader.messages.map(\.event))")
            // Every member relays every other member's events (they follow each other).
            for member in Self.members {
                let relayed = await eventually(.seconds(20)) {
                    let reply = try? await rig.request(
                        member, "GET", "/v1/events?after=zzzz-0&wait=0s&type=AgentEvent_Ringing", headers: [("Accept", "application/json")])
                    return rung.values.allSatisfy { reply?.body.contains("\"agentId\":\"\($0)\"") == true }
                }
                #expect(relayed, "\(member) does not have every member's events")
            }
            // Each event keeps its owner's id: three origins.
            let origins = Set(reader.messages.filter { $0.event == "AgentEvent_Ringing" }.compactMap { EventID($0.eventID)?.origin })
            #expect(origins.count == 3)

            let victim = try #require(["shim-b", "shim-c"].max { (byMember[$0]?.count ?? 0) < (byMember[$1]?.count ?? 0) })
            let moved = Set(byMember[victim] ?? [])
            rig.kill9(victim)
            var pending = moved
            let killed = ContinuousClock.now
            while !pending.isEmpty, ContinuousClock.now - killed < .seconds(60) {
                for agent in pending.sorted() where try await rig.resetSkill(agent, via: "shim-a").status == 200 { pending.remove(agent) }
                if !pending.isEmpty { try await Task.sleep(for: .milliseconds(200)) }
            }
            #expect(pending.isEmpty)
            // The subscriber is told: a gap (what the dead member had not sent is unknown),
            // then each moved agent's new owner.
            let told = await eventually(.seconds(20)) {
                let changed = reader.messages.filter {
                    $0.event == "ccgw.owner.changed" && ($0.object["ccgw"] as? NSDictionary)?["from"] as? String == victim
                }
                return Set(changed.compactMap { $0.object["agentId"] as? String }) == moved
            }
            #expect(told, "\(reader.messages.map(\.event))")
            let gap = reader.messages.first { $0.event == "ccgw.gap" }
            #expect(gap != nil)
            #expect((gap?.object["ccgw"] as? NSDictionary)?["lost"] is NSNull)
            // A moved agent's later events come from its new owner.
            let agent = try #require(rung[victim])
            #expect(await rig.gateway.queueEvent(agent, json: EventStreamTests.ringing(agent, caller: "01005559999", call: 2)))
            let later = try await reader.waitFor { $0.event == "AgentEvent_Ringing" && $0.data.contains("01005559999") }
            #expect(
                EventID(later.eventID)?.origin
                    != EventID(reader.messages.first { $0.object["agentId"] as? String == agent && $0.event == "AgentEvent_Ringing" }!.eventID)?
                    .origin)

            // The cursor resumes on another member: exactly what came after, no second gap.
            let survivor = victim == "shim-b" ? "shim-c" : "shim-b"
            let cursor = try #require(reader.messages.last?.id)
            let resumed = try await SSEReader.open(
                rig.client, "http://127.0.0.1:\(try rig.port(of: survivor))/v1/events?type=AgentEvent_Ringing,ccgw.owner.changed,ccgw.gap",
                headers: [("Last-Event-ID", cursor)])
            let other = try #require(rung["shim-a"])
            #expect(await rig.gateway.queueEvent(other, json: EventStreamTests.ringing(other, caller: "01005558888", call: 3)))
            try await resumed.waitFor { $0.data.contains("01005558888") }
            #expect(!resumed.messages.contains { $0.event == "ccgw.gap" }, "cursor \(cursor): \(resumed.messages.map { "\($0.id) \($0.data)" })")
            #expect(resumed.messages.first?.data.contains("01005558888") == true, "\(resumed.messages.map(\.event))")
            reader.close()
            resumed.close()
        }
    }

    /// A member stopping gracefully (SIGTERM) ends its callers' streams at once, so they
    /// reconnect to another member, but keeps feeding the other members through its drain
    /// delay: an agent it still owns that rings then is heard on the other members.
    @Test func aStoppingMemberFeedsTheOthersThroughItsDrainDelay() async throws {
        try await withClusterRig(agents: 6) { rig in
            for member in Self.members {
                try await rig.start(member, yaml: rig.yaml(member, port: try rig.port(of: member), drainDelay: "8s"))
            }
            let owners = try await Self.signInAll(rig)
            let leaving = "shim-b"
            let agent = try #require(owners.filter { $0.value == leaving }.keys.sorted().first)
            let events = "/v1/events?type=AgentEvent_Ringing"
            let here = try await SSEReader.open(rig.client, "http://127.0.0.1:\(try rig.port(of: leaving))\(events)")
            let there = try await SSEReader.open(rig.client, "http://127.0.0.1:\(try rig.port(of: "shim-a"))\(events)")
            // Both hear the agent ring before the stop: shim-a's feed from shim-b is open.
            let before = await eventually(.seconds(20)) {
                _ = await rig.gateway.queueEvent(agent, json: EventStreamTests.ringing(agent, caller: "01005550001", call: 1))
                try? await Task.sleep(for: .milliseconds(300))
                return there.messages.contains { $0.data.contains("01005550001") }
            }
            #expect(before)
            let process = try #require(rig.process(leaving))
            // (A feed may have broken once at the start, before a member's listener was bound.)
            let broken = { rig.logLines("shim-a").filter { $0.contains("event stream broke") && $0.contains("\"shim-b\"") } }
            let brokenBefore = broken().count
            rig.signal(leaving, SIGTERM)
            // The caller's stream on the leaving member ends at once (it reconnects elsewhere) ...
            try await here.waitForEnd(within: .seconds(5))
            #expect(here.messages.last?.event == "ccgw.stream.closed", "\(here.messages.map(\.event))")
            #expect(process.isRunning, "the drain delay is 8 s")
            // Its open streams are now the other two members' feeds only.
            let subscribers = try await settled {
                let metrics = try await rig.request(leaving, "GET", "/metrics")
                let line = metrics.body.split(separator: "\n").first { $0.hasPrefix("ccgw_event_subscribers ") }
                return line.flatMap { Double($0.split(separator: " ")[1]) }
            } until: {
                $0 == 2
            }
            #expect(subscribers == 2)
            // ... while the agent, still the leaving member's, rings and is heard on shim-a.
            #expect(await rig.gateway.queueEvent(agent, json: EventStreamTests.ringing(agent, caller: "01005550002", call: 2)))
            // Relayed from the leaving member (its origin), not polled later by the agent's next owner.
            let heard = try await there.waitFor(within: .seconds(20)) { $0.data.contains("01005550002") }
            #expect(EventID(heard.eventID)?.origin == EventID(there.messages.first { $0.data.contains("01005550001") }!.eventID)?.origin)
            // Through the feed that was open before the stop, not by reconnecting to a closed one.
            #expect(process.isRunning, "the drain delay is 8 s")
            #expect(broken().count == brokenBefore, "\(broken())")
            process.waitUntilExit()
            #expect(process.terminationStatus == 0)
            // shim-a says once that shim-b is stopping, and no further warning about its stream.
            let told = await eventually(.seconds(10)) { rig.logLines("shim-a").contains { $0.contains("cluster: a member left") } }
            #expect(told)
            let lines = rig.logLines("shim-a")
            #expect(lines.filter { $0.contains("a member is shutting down") && $0.contains("\"shim-b\"") }.count == 1)
            #expect(broken().count == brokenBefore, "\(lines.filter { $0.contains("event stream") })")
            there.close()
        }
    }
}
