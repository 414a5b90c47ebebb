import HTTPTypes
import Hummingbird
import ShimCore

/// The parts of an events request: where to resume (`Last-Event-ID` or `?after=`), which
/// agents (`?agent=`, comma-separated or repeated) and types (`?type=`), whether the
/// caller wants the JSON long-poll (`Accept: application/json`) and how long it waits (`?wait=`).
struct EventQuery {
    var cursor: EventCursor?
    var agents: [AgentID]?
    var types = EventTypeFilter.all
    var longPoll = false
    var wait: Duration = .seconds(10)

    static let maxWait: Duration = .seconds(60)

    init(_ request: Request) throws {
        let query = request.uri.queryParameters
        let resume = query["after"].map(String.init) ?? request.headers[HTTPField.Name("Last-Event-ID")!]
        if let resume, !resume.isEmpty {
            guard let cursor = EventCursor(resume) else {
                throw APIError.invalidRequest("after / Last-Event-ID must be an event id this shim gave (such as k3f9q2ab-4711)")
            }
            self.cursor = cursor
        }
        let agentTexts = query[values: "agent"].flatMap { $0.split(separator: ",") }
        if !agentTexts.isEmpty {
            var agents: [AgentID] = []
            for text in agentTexts {
                guard let id = AgentID(text) else { throw APIError.invalidRequest("agent must be agent ids from 101 to 999999, comma-separated") }
                agents.append(id)
            }
            self.agents = agents
        }
        if let list = query["type"].map(String.init) {
            switch EventTypeFilter.parse(list: list) {
            case .success(let filter): types = filter
            case .failure(let invalid):
                throw APIError.invalidRequest(
                    "type \"\(invalid.pattern.prefix(64))\" is not an event type (letters, digits, '_', '.', '-', a trailing '*'; comma-separated)")
            }
        }
        let accept = request.headers[.accept] ?? ""
        longPoll = accept.contains("application/json") && !accept.contains("text/event-stream")
        if let text = query["wait"].map(String.init) {
            let parsed = DurationText.parse(text) ?? Int64(text).map { Duration.seconds($0) }
            guard let parsed, parsed >= .zero, parsed <= Self.maxWait else {
                throw APIError.invalidRequest("wait must be a duration from 0s to 60s, such as 10s or 500ms")
            }
            wait = parsed
        }
    }
}
