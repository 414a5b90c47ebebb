import Foundation
import Hummingbird
import NIOCore

extension SimulatorRoutes {
    /// The admin API: `GET /__sim/journal`, `DELETE /__sim/journal`,
    /// `POST /__sim/faults` (`{"operation":"resetSkill","retcode":"000-003","times":1}`,
    /// or `"http":503`, `"reset":true`, `"garbage":true`, `"delayMs":500`),
    /// `DELETE /__sim/faults`, `GET /__sim/agents/{id}`,
    /// `POST /__sim/agents/{id}/displace`, `POST /__sim/agents/{id}/expire-guid`,
    /// `POST /__sim/agents/{id}/events` (one event object, `{"eventType", "content"}`, or
    /// an array of them, queued for the agent's polls; `workNo` is filled in when missing).
    func addAdminRoutes(to router: Router<Context>) {
        let gateway = self.gateway
        router.get("/__sim/journal") { _, _ in
            let data = try JSONEncoder().encode(await gateway.entries())
            return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
        }
        router.delete("/__sim/journal") { _, _ in
            await gateway.clearJournal()
            return Response(status: .noContent)
        }
        router.delete("/__sim/faults") { _, _ in
            await gateway.clearFaults()
            return Response(status: .noContent)
        }
        router.post("/__sim/faults") { request, _ in
            var request = request
            let body = try await request.collectBody(upTo: 1 << 16)
            guard let json = try? JSONSerialization.jsonObject(with: Data(body.readableBytesView)) as? [String: Any] else {
                throw HTTPError(.badRequest, message: "send a JSON object")
            }
            guard let action = FaultRule.Action(json: json) else {
                throw HTTPError(.badRequest, message: "give retcode, http, reset, trickle, hugeBody, lostAnswer, garbage or delayMs")
            }
            await gateway.addFault(
                FaultRule(
                    operation: json["operation"] as? String, agentID: json["agentId"] as? String, action: action, times: json["times"] as? Int ?? 1))
            return Response(status: .created)
        }
        router.get("/__sim/agents/:id") { _, context in
            let id = context.parameters.get("id") ?? ""
            let signedIn = await gateway.isSignedIn(id)
            let skills = await gateway.joinedSkills(id)
            var object: [String: Any] = ["agentId": id, "signedIn": signedIn]
            if let skills { object["joinedSkills"] = skills }
            if let reason = await gateway.signOutReason(id) { object["signOutReason"] = reason }
            let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
            return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
        }
        router.post("/__sim/agents/:id/displace") { _, context in
            await gateway.displace(context.parameters.get("id") ?? "")
            return Response(status: .noContent)
        }
        router.post("/__sim/agents/:id/events") { request, context in
            let id = context.parameters.get("id") ?? ""
            var request = request
            let body = try await request.collectBody(upTo: 1 << 20)
            let parsed = try? JSONSerialization.jsonObject(with: Data(body.readableBytesView))
            guard let list = (parsed as? [[String: Any]]) ?? (parsed as? [String: Any]).map({ [$0] }), !list.isEmpty,
                list.allSatisfy({ $0["eventType"] is String })
            else { throw HTTPError(.badRequest, message: "send an event object with eventType (and content), or an array of them") }
            for var event in list {
                if event["workNo"] == nil { event["workNo"] = id }
                let json = String(decoding: try JSONSerialization.data(withJSONObject: event, options: [.sortedKeys]), as: UTF8.self)
                guard await gateway.queueEvent(id, json: json) else { throw HTTPError(.conflict, message: "agent \(id) is not signed in") }
            }
            return Response(status: .accepted)
        }
        router.post("/__sim/agents/:id/expire-guid") { _, context in
            await gateway.expireGUIDs(context.parameters.get("id") ?? "")
            return Response(status: .noContent)
        }
    }
}
