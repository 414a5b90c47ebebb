/// The state file's content: the sessions of one shim for one gateway.
///
/// A JSON object: `{"format": "ccgw-shim-sessions", "version": 1, "gateway": <url>,
/// "authMode": "static"|"dynamic", "sessions": {"<agent id>": {"guid", "cookies",
/// "signIn", "phone", "contactAt"}}}`. A file of another format, version, gateway or
/// auth mode is foreign: it is not used.
public struct SavedState: Sendable, Equatable {
    public static let format = "ccgw-shim-sessions"
    public static let version: Int64 = 1

    public var gatewayURL: String
    public var authMode: String
    public var sessions: [AgentID: SavedSession]

    public init(gatewayURL: String, authMode: String, sessions: [AgentID: SavedSession] = [:]) {
        self.gatewayURL = gatewayURL
        self.authMode = authMode
        self.sessions = sessions
    }

    /// The file's text, agents in id order.
    public func encoded() -> String {
        var members: [(key: String, value: JSONValue)] = []
        members.reserveCapacity(sessions.count)
        for (agent, session) in sessions.sorted(by: { $0.key < $1.key }) {
            members.append(
                (
                    agent.rawValue,
                    .object([
                        ("guid", session.guid.map(JSONValue.string) ?? .null),
                        ("cookies", session.cookies.map(JSONValue.string) ?? .null),
                        ("signIn", .string(session.signIn)),
                        ("phone", .string(session.phone)),
                        ("contactAt", .integer(session.contactAt)),
                    ])
                ))
        }
        let document = JSONValue.object([
            ("format", .string(Self.format)), ("version", .integer(Self.version)), ("gateway", .string(gatewayURL)),
            ("authMode", .string(authMode)), ("sessions", .object(members)),
        ])
        return document.serialized + "\n"
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
        return SavedSession(guid: guid, cookies: cookies, signIn: signIn, phone: phone, contactAt: contactAt)
    }
}
