extension ShimConfig {
    /// `events`: what is kept for subscribers that reconnect, stream limits, webhooks.
    public struct Events: Sendable, Equatable {
        /// Per agent: at most this many events, none older than `maxAge`.
        public var retainPerAgent = 64
        public var retainMaxAge: Duration = .seconds(600)
        /// Events waiting for one stream subscriber; past it the subscriber is cut off.
        public var subscriberQueue = 1000
        /// Callers' streams and waiting long-polls at once; one more gets 503
        /// `too_many_subscribers`. The cluster's members' own feeds are not counted.
        public var maxSubscribers = 1000
        /// A comment line on an idle stream this often.
        public var keepAlive: Duration = .seconds(15)
        public var webhooks: [Webhook] = []
        public init() {}
    }

    /// `events.webhooks[]`: a receiver of signed deliveries (Standard Webhooks 1.0).
    public struct Webhook: Sendable, Equatable {
        public var name: String
        public var url: WebhookURL
        public var caFile: String?
        public var agents: AgentScope
        public var types: EventTypeFilter
        /// A `whsec_<base64>` secret.
        public var secret: SecretSource
        /// An event is retried until it is this old, then dropped.
        public var maxAge: Duration = .seconds(300)
        /// Events waiting for this receiver at most (the oldest is dropped).
        public var queue = 10_000
        /// The config path of the entry, e.g. `events.webhooks[0]`.
        public var keyPath: String

        public init(name: String, url: WebhookURL, agents: AgentScope, secret: SecretSource, keyPath: String) {
            self.name = name
            self.url = url
            self.agents = agents
            self.types = .all
            self.secret = secret
            self.keyPath = keyPath
        }
    }
}

/// A webhook receiver's URL: `https://host[:port]/path`, or `http://` to a loopback address only.
public struct WebhookURL: Sendable, Equatable, CustomStringConvertible {
    public var base: GatewayURL
    /// Path and query, starting with `/`.
    public var path: String

    public init?(_ text: String) {
        let lower = text.lowercased()
        let schemeLength = lower.hasPrefix("https://") ? 8 : lower.hasPrefix("http://") ? 7 : 0
        guard schemeLength > 0 else { return nil }
        let afterScheme = text.dropFirst(schemeLength)
        let slash = afterScheme.firstIndex(of: "/") ?? afterScheme.endIndex
        guard let base = GatewayURL(String(text[..<slash])) else { return nil }
        let path = String(text[slash...])
        guard !path.contains("#"), !path.contains(" ") else { return nil }
        self.base = base
        self.path = path.isEmpty ? "/" : path
    }

    public var isLoopback: Bool {
        base.host == "localhost" || base.host == "::1" || base.host.hasPrefix("127.")
    }

    public var description: String { "\(base)\(path)" }
}
