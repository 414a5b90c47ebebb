/// One event as the shim publishes it: a gateway event it polled for an agent, or one
/// of its own (`ccgw.…`). `json` is the one serialized object every consumer gets (the
/// SSE `data:`, a long-poll array element, a webhook body), made once:
/// `{"id", "agentId", "type", "at", "gateway" | "ccgw"}`.
public struct AgentEvent: Sendable {
    public let id: EventID
    /// Nil only for stream notices that span agents (`ccgw.gap`).
    public let agentID: AgentID?
    /// The gateway's `eventType`, or the shim's own name.
    public let type: String
    /// When the shim received or made it, ms since 1970.
    public let at: Int64
    public let json: String

    /// What the event carries: the gateway's event object exactly as polled, or the shim's details.
    public enum Body: Sendable {
        case gateway(JSONValue)
        case ccgw(JSONValue)
    }

    public init(id: EventID, agentID: AgentID?, type: String, at: Int64, body: Body) {
        self.init(id: id.description, eventID: id, agentID: agentID, type: type, at: at, body: body)
    }

    /// An event whose `id` text is not its `EventID`: stream notices carry the stream's cursor.
    public init(id text: String, eventID: EventID, agentID: AgentID?, type: String, at: Int64, body: Body) {
        self.id = eventID
        self.agentID = agentID
        self.type = type
        self.at = at
        var json = "{\"id\":"
        JSONValue.writeString(text, into: &json)
        json += ",\"agentId\":"
        if let agentID { JSONValue.writeString(agentID.rawValue, into: &json) } else { json += "null" }
        json += ",\"type\":"
        JSONValue.writeString(type, into: &json)
        json += ",\"at\":\"\(RFC3339.format(milliseconds: at))\","
        switch body {
        case .gateway(let value):
            json += "\"gateway\":"
            value.write(into: &json)
        case .ccgw(let value):
            json += "\"ccgw\":"
            value.write(into: &json)
        }
        json += "}"
        self.json = json
    }

    /// An event another member published, read back from its JSON (a peer's stream); the
    /// object is kept exactly as that member made it. Nil when it is not one.
    public init?(published text: String) {
        guard let value = try? JSONParser.parse(Array(text.utf8)), let idText = value["id"]?.stringValue, let id = EventID(idText),
            let type = value["type"]?.stringValue, let atText = value["at"]?.stringValue, let at = RFC3339.parse(atText)
        else { return nil }
        let agentID = value["agentId"]?.stringValue.flatMap { AgentID($0) }
        guard agentID != nil || value["agentId"] == .null else { return nil }
        self.id = id
        self.agentID = agentID
        self.type = type
        self.at = at
        self.json = text
    }

    /// The shim's own event names start with this; gateway types never do.
    public static let ownPrefix = "ccgw."

    /// The type of a polled gateway event: its `eventType` when it is a non-empty
    /// string of printable characters, else `unknown` (the object is still passed on whole).
    public static func gatewayType(of event: JSONValue) -> String {
        guard let type = event["eventType"]?.stringValue, !type.isEmpty, type.utf8.count <= 128,
            !type.hasPrefix(ownPrefix), type.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F })
        else { return "unknown" }
        return type
    }
}
