import Yams

/// The `events` section: retention, stream limits and `webhooks[]`; one-line errors
/// naming the key, as `ConfigParser`'s.
enum EventsConfigParser {
    static let eventsKeys = ["retain", "subscriberQueue", "maxSubscribers", "keepAlive", "webhooks"]
    static let retainKeys = ["perAgent", "maxAge"]
    static let webhookKeys = ["name", "url", "caFile", "agents", "types", "secretFile", "secretEnv", "secretCredential", "maxAge", "queue"]

    static func parse(_ node: Node) throws(ConfigError) -> ShimConfig.Events {
        let reader = try YAMLMappingReader(node, path: "events", allowed: eventsKeys)
        var events = ShimConfig.Events()
        if let retain = reader.node("retain") {
            let r = try YAMLMappingReader(retain, path: "events.retain", allowed: retainKeys)
            if let v = try r.int("perAgent", in: 1...10_000) { events.retainPerAgent = v }
            if let v = try r.duration("maxAge", minimum: .seconds(1)) { events.retainMaxAge = v }
        }
        if let v = try reader.int("subscriberQueue", in: 1...100_000) { events.subscriberQueue = v }
        if let v = try reader.int("maxSubscribers", in: 1...100_000) { events.maxSubscribers = v }
        if let v = try reader.duration("keepAlive", minimum: .seconds(1)) {
            guard v <= .seconds(60) else { throw reader.fail("keepAlive", "must be at most 60s") }
            events.keepAlive = v
        }
        events.webhooks = try ConfigParser.parseList(
            reader, key: "webhooks", example: "- name: ...", identity: ("name", \.name, "webhook"), parse: parseWebhook)
        return events
    }

    static func parseWebhook(_ node: Node, path: String) throws(ConfigError) -> ShimConfig.Webhook {
        let reader = try YAMLMappingReader(node, path: path, allowed: webhookKeys)
        let name = try EntryConfigParser.requireName(reader)
        let urlText = try reader.requireString("url")
        guard let url = WebhookURL(urlText) else { throw reader.fail("url", "must be an http(s) URL such as https://crm.internal:8443/ccgw/events") }
        guard url.base.isTLS || url.isLoopback else {
            throw reader.fail("url", "must be https (http only to a loopback address: the deliveries carry phone numbers)")
        }
        let sources = try EntryConfigParser.tokenSources(reader, prefix: "secret")
        guard sources.count == 1 else {
            throw ConfigError(
                key: path, line: reader.line,
                problem: sources.isEmpty
                    ? "needs one of secretFile, secretEnv or secretCredential (a whsec_ secret)"
                    : "has more than one secret source; keep exactly one")
        }
        let scope = try EntryConfigParser.parseScope(reader)
        var webhook = ShimConfig.Webhook(name: name, url: url, agents: scope, secret: sources[0], keyPath: path)
        if let types = reader.node("types") {
            guard case .sequence(let list) = types else {
                throw reader.fail("types", "must be a list of event types such as [AgentEvent_Ringing, \"ccgw.*\"]")
            }
            switch EventTypeFilter.parse(list.map { $0.scalar?.string ?? "" }) {
            case .success(let filter): webhook.types = filter
            case .failure(let invalid):
                throw reader.fail("types", "\"\(invalid.pattern)\" is not an event type (letters, digits, '_', '.', '-', a trailing '*')")
            }
        }
        if let caFile = try reader.string("caFile") {
            guard !caFile.isEmpty else { throw reader.fail("caFile", "must not be empty") }
            webhook.caFile = caFile
        }
        if let v = try reader.duration("maxAge", minimum: .seconds(1)) { webhook.maxAge = v }
        if let v = try reader.int("queue", in: 1...1_000_000) { webhook.queue = v }
        return webhook
    }
}
