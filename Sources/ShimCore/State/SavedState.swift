/// The state file's content: the sessions of one shim for one gateway.
///
/// A JSON object: `{"format": "ccgw-shim-sessions", "version": 1, "gateway": <url>,
/// "authMode": "static"|"dynamic", "sessions": {"<agent id>": {"guid", "cookies",
/// "signIn", "phone", "contactAt", "applied"}}, "desired": {"<agent id>": {…}}}`
/// (`applied` and `desired` are `AppliedSkills.json` and `DesiredSkills.json`; both are
/// optional, so a file of an earlier release still reads). A file of another format, version, gateway or
/// auth mode is foreign: it is not used.
public struct SavedState: Sendable, Equatable {
    public static let format = "ccgw-shim-sessions"
    public static let version: Int64 = 1

    public var gatewayURL: String
    public var authMode: String
    public var sessions: [AgentID: SavedSession]
    /// Each agent's last choice of a caller (issue "skills that stick"): unlike a
    /// session, it outlives sign-outs and sessions the gateway ended.
    public var desired: [AgentID: DesiredSkills]

    public init(gatewayURL: String, authMode: String, sessions: [AgentID: SavedSession] = [:], desired: [AgentID: DesiredSkills] = [:]) {
        self.gatewayURL = gatewayURL
        self.authMode = authMode
        self.sessions = sessions
        self.desired = desired
    }

    /// The file's text. Written straight into one string (no intermediate JSON tree): at
    /// 10,000 agents this runs about once a second (docs/BENCHMARKS.md).
    public func encoded() -> String {
        var out = ""
        out.reserveCapacity(160 + sessions.count * 200)
        out += #"{"format":"#
        JSONValue.writeString(Self.format, into: &out)
        out += #","version":\#(Self.version),"gateway":"#
        JSONValue.writeString(gatewayURL, into: &out)
        out += #","authMode":"#
        JSONValue.writeString(authMode, into: &out)
        out += #","sessions":{"#
        var first = true
        for (agent, session) in sessions {
            if !first { out += "," }
            first = false
            JSONValue.writeString(agent.rawValue, into: &out)
            out += #":{"guid":"#
            Self.write(session.guid, into: &out)
            out += #","cookies":"#
            Self.write(session.cookies, into: &out)
            out += #","signIn":"#
            JSONValue.writeString(session.signIn, into: &out)
            out += #","phone":"#
            JSONValue.writeString(session.phone, into: &out)
            out += #","contactAt":\#(session.contactAt)"#
            if let applied = session.applied { out += #","applied":"# + applied.json.serialized }
            out += "}"
        }
        out += #"},"desired":{"#
        first = true
        for (agent, desired) in desired {
            if !first { out += "," }
            first = false
            JSONValue.writeString(agent.rawValue, into: &out)
            out += ":" + desired.json.serialized
        }
        out += "}}\n"
        return out
    }

    private static func write(_ value: String?, into out: inout String) {
        if let value { JSONValue.writeString(value, into: &out) } else { out += "null" }
    }

    /// Reads a state file written for `gatewayURL` and `authMode`.
    public static func decode(_ bytes: some Collection<UInt8>, gatewayURL: String, authMode: String) throws(Unusable) -> SavedState {
        let document: JSONValue
        do {
            document = try JSONParser.parse(bytes)
        } catch {
            throw Unusable(reason: "it is not JSON (truncated or damaged)")
        }
        guard document["format"]?.stringValue == format else { throw Unusable(reason: "it is not a ccgw-shim state file") }
        guard document["version"] == .integer(version) else { throw Unusable(reason: "it was written by another version of ccgw-shim") }
        guard document["gateway"]?.stringValue == gatewayURL else { throw Unusable(reason: "it belongs to another gateway.url") }
        guard document["authMode"]?.stringValue == authMode else { throw Unusable(reason: "it belongs to another gateway.authMode") }
        guard case .object(let members)? = document["sessions"] else { throw Unusable(reason: "it has no sessions object") }
        var state = SavedState(gatewayURL: gatewayURL, authMode: authMode)
        for (key, value) in members {
            guard let agent = AgentID(key), let session = Self.session(value) else {
                throw Unusable(reason: "an entry is damaged")
            }
            state.sessions[agent] = session
        }
        if let value = document["desired"] {
            guard case .object(let entries) = value else { throw Unusable(reason: "its desired skills are not an object") }
            for (key, value) in entries {
                guard let agent = AgentID(key), let desired = DesiredSkills(json: value) else {
                    throw Unusable(reason: "a desired skills entry is damaged")
                }
                state.desired[agent] = desired
            }
        }
        return state
    }

    private static func session(_ value: JSONValue) -> SavedSession? {
        guard let signIn = value["signIn"]?.stringValue, let phone = value["phone"]?.stringValue,
            case .integer(let contactAt)? = value["contactAt"]
        else { return nil }
        let guid = value["guid"]?.stringValue
        if guid == nil, value["guid"] != .null { return nil }
        let cookies = value["cookies"]?.stringValue
        if cookies == nil, value["cookies"] != .null { return nil }
        if let guid, guid.isEmpty { return nil }
        var applied: AppliedSkills?
        if let value = value["applied"] {
            guard let read = AppliedSkills(json: value) else { return nil }
            applied = read
        }
        return SavedSession(guid: guid, cookies: cookies, signIn: signIn, phone: phone, contactAt: contactAt, applied: applied)
    }
}
