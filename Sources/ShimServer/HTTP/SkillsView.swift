import Foundation
import ShimCore

/// The body of `GET /v1/agents/{id}/skills`: configured, desired, applied, joined,
/// in sync, and what the re-apply is doing.
enum SkillsView {
    static func of(_ session: AgentSession) async -> JSONValue {
        let state = await session.skillsState()
        var configured: [ConfiguredSkill]?
        var configuredError: String?
        var configuredAge: Double?
        do {
            let read = try await session.configuredSkills()
            configured = read.skills
            let age = read.at.duration(to: .now)
            configuredAge = Double(age.components.seconds) + Double(age.components.attoseconds) / 1e18
        } catch {
            configuredError = error.message
        }
        let joined = state.applied.flatMap { applied in configured.map { applied.choice.joined(configured: $0.map(\.id)) } }
        var desired: JSONValue = .null
        if let wanted = state.desired {
            var members = wanted.choice.jsonMembers
            members.append(("source", .string(wanted.source.rawValue)))
            members.append(("setAt", wanted.setAt.map { .string(Self.time($0)) } ?? .null))
            members.append(("requestId", wanted.requestID.map(JSONValue.string) ?? .null))
            desired = .object(members)
        }
        var applied: JSONValue = .null
        if let done = state.applied {
            var members = done.choice.jsonMembers
            members.append(("origin", .string(done.origin.rawValue)))
            members.append(("at", .string(Self.time(done.at))))
            members.append(("requestId", done.requestID.map(JSONValue.string) ?? .null))
            applied = .object(members)
        }
        let configuredJSON: JSONValue = configured.map { JSONValue.array($0.map(\.json)) } ?? .null
        let joinedJSON: JSONValue = joined.map { ids in JSONValue.array(ids.map { JSONValue.integer(Int64($0)) }) } ?? .null
        let inSync: JSONValue = state.inSync.map(JSONValue.bool) ?? .null
        let reapply: JSONValue = .object([
            ("state", .string(state.reapply.name)), ("problem", state.reapply.problem.map(JSONValue.string) ?? .null),
        ])
        var members: [(key: String, value: JSONValue)] = [("agentId", .string(session.agentID.rawValue)), ("signedIn", .bool(state.signedIn))]
        members.append(("configured", configuredJSON))
        members.append(("configuredAgeSeconds", configuredAge.map(JSONValue.double) ?? .null))
        members.append(("configuredError", configuredError.map(JSONValue.string) ?? .null))
        members.append(("desired", desired))
        members.append(("applied", applied))
        members.append(("joined", joinedJSON))
        members.append(("inSync", inSync))
        members.append(("reapply", reapply))
        return .object(members)
    }

    static func time(_ milliseconds: Int64) -> String { Date.rfc3339(Date(timeIntervalSince1970: Double(milliseconds) / 1000)) }
}
