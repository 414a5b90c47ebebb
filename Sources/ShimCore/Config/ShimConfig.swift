/// The daemon's whole configuration, as read from YAML and validated.
/// Secrets are still references here; the server resolves them at start.
public struct ShimConfig: Sendable, Equatable {
    public var listen: Listen
    public var gateway: Gateway
    public var sessions: Sessions
    public var agents: [Agent]
    public var logging: LogSettings
    public var shutdown = Shutdown()
    public var metrics = Metrics()
    /// Callers allowed to use the API; empty: no authentication (loopback only, or `allowUnauthenticated`).
    public var clients: [Client] = []
    /// Accept unauthenticated callers on a non-loopback listener (warned about at start).
    public var allowUnauthenticated = false
    public var limits = Limits()
    public var state = State()
    /// Cluster mode through etcd; nil: a single process.
    public var cluster: Cluster?
    /// Desired skills: the default, the configured-skills cache, the re-apply backoff.
    public var skills = Skills()
    /// `POST /v1/reset-skill`: how many agents, how fast.
    public var bulk = Bulk()
    /// Agent events: retention, streams, webhooks.
    public var events = Events()

    /// The skill queues the shim keeps agents in (issue "skills that stick").
    public struct Skills: Sendable, Equatable {
        /// `skills.default`: the choice for agents whose own `skills` is not set and that
        /// no caller has reset yet; nil: none.
        public var defaultChoice: SkillChoice?
        /// How long the gateway's list of an agent's configured skills (`agentskills`) is reused.
        public var configuredCacheTTL: Duration = .seconds(30)
        /// Longest pause between two tries of a re-apply that failed for a reason that may pass.
        public var reapplyMaxBackoff: Duration = .seconds(30)
        public init() {}
    }

    /// Pacing of the bulk reset: the gateway and its NSLB are the bottleneck, not the shim.
    public struct Bulk: Sendable, Equatable {
        /// resetskill calls of one bulk request in flight at once.
        public var concurrency = 8
        /// Agents of one bulk request started per second.
        public var ratePerSecond = 50
        /// Most entries one bulk request may carry.
        public var maxAgents = 10_000
        public init() {}
    }

    /// Where the shim accepts its callers.
    public struct Listen: Sendable, Equatable {
        public var host = "127.0.0.1"
        public var port = 8080
        /// Serve HTTPS with this certificate and key (non-loopback deployments).
        public var tls: TLSFiles?
        public init() {}

        /// Whether only this machine can reach the listener.
        public var isLoopback: Bool {
            host == "localhost" || host == "::1" || host.hasPrefix("127.")
        }
    }

    /// A certificate chain and its private key, both PEM files.
    public struct TLSFiles: Sendable, Equatable {
        public var certFile: String
        public var keyFile: String
    }

    /// A service allowed to call the API, with its bearer token and agent scope.
    public struct Client: Sendable, Equatable {
        public var name: String
        public var token: SecretSource
        public var agents: AgentScope
        /// The config path of the entry, e.g. `clients[0]`, for error messages.
        public var keyPath: String
        public init(name: String, token: SecretSource, agents: AgentScope, keyPath: String) {
            self.name = name
            self.token = token
            self.agents = agents
            self.keyPath = keyPath
        }
    }

    /// Back-pressure: requests over these limits get 503 with `Retry-After`.
    public struct Limits: Sendable, Equatable {
        /// Inbound requests handled at once, all routes.
        public var maxInFlight = 1024
        /// Requests waiting for one agent's turn at the gateway.
        public var maxQueuedPerAgent = 64
        public init() {}
    }

    /// How the shim reaches the CC-Gateway.
    public struct Gateway: Sendable, Equatable {
        public var url: GatewayURL
        public var authMode: AuthMode
        /// PEM bundle of the CAs that may sign the gateway's certificate; nil: the system store.
        public var caFile: String?
        public var connectTimeout: Duration = .seconds(2)
        /// Budget for one inbound request, retries and recovery included.
        public var requestTimeout: Duration = .seconds(10)
        /// Read timeout of one event poll; must exceed the gateway's ~10 s hold (PROTOCOL.md §4.1, §8 pitfall 8).
        public var pollTimeout: Duration = .seconds(15)
        /// How long the gateway lets an agent go unpolled before it signs it out: two
        /// minutes on the documented gateway (PROTOCOL.md §2.1, §4.3). A saved session
        /// polled less than this long ago is still the shim's own.
        public var unpolledSignOut: Duration = .seconds(120)
        /// The name the gateway's certificate must carry when `url` uses an IP address.
        public var serverName: String?
        /// Client certificate and key (PEM) for gateways that require mutual TLS.
        public var clientCertFile: String?
        public var clientKeyFile: String?
        /// Skip certificate verification (labs only; warned about at start and in /v1/agents).
        public var insecureSkipVerify = false

        public init(url: GatewayURL, authMode: AuthMode) {
            self.url = url
            self.authMode = authMode
        }
    }

    /// The gateway's `AUTHMODE` (PROTOCOL.md §3).
    public enum AuthMode: String, Sendable, Equatable {
        /// AUTHMODE=1: one GUID per session.
        case `static`
        /// AUTHMODE=2 (the gateway's default): the GUID rotates, delivered by event polls.
        case dynamic
    }

    /// Session policy.
    public struct Sessions: Sendable, Equatable {
        public var signInAtStartup = false
        /// On 100-002, take the session over with forcelogin (displaces whoever holds it).
        public var forceLogin = false
        public var signOutOnShutdown = true
        /// Gap between event polls; the gateway advises 200–500 ms (PROTOCOL.md §4.1).
        public var pollInterval: Duration = .milliseconds(300)
        /// How many start-up sign-ins (and shutdown sign-outs) run at once: thousands of
        /// agents signing in together would time out on TLS handshakes and load the
        /// gateway's CTI link.
        public var signInConcurrency = 16
        /// Sign the agent in again, by itself, when the gateway ends its session (signed
        /// out unpolled, displaced, forced out); false: the next caller's reset does.
        public var keepSignedIn = false
        public init() {}
    }

    /// Where the shim keeps what it needs to resume its agents' sessions after a restart.
    public struct State: Sendable, Equatable {
        /// The directory of the state file; nil: nothing is saved. The loader defaults it
        /// to `$STATE_DIRECTORY` (set by systemd's `StateDirectory=`).
        public var directory: String?
        public init() {}
    }

    /// What SIGTERM does (issue #3, Health).
    public struct Shutdown: Sendable, Equatable {
        /// How long to keep serving after readiness turns 503, so load balancers and
        /// Kubernetes stop sending first (sidecars: a few seconds).
        public var drainDelay: Duration = .zero
        /// How long in-flight requests may take to finish before sign-out begins.
        public var timeout: Duration = .seconds(10)
        public init() {}
    }

    /// The Prometheus endpoint.
    public struct Metrics: Sendable, Equatable {
        /// A separate listener for `/metrics`; nil: served on the main listener.
        public var listen: Listen?
        /// Add an `agent` label to gateway-call metrics (one series per agent: mind cardinality).
        public var agentLabel = false
        public init() {}
    }

    /// One agent the shim manages.
    public struct Agent: Sendable, Equatable {
        public var id: AgentID
        public var phone: String
        public var password: SecretSource
        /// Extra sign-in body fields (PROTOCOL.md §2.1), e.g. `status: 4`.
        public var signIn: [SignInField]
        /// The config path of the agent entry, e.g. `agents[0]`, for error messages.
        public var keyPath: String
        /// The skills the agent is kept in until a caller resets it: its own `skills`, else
        /// `skills.default` (filled in by the parser); nil: none.
        public var skills: SkillChoice?

        public init(id: AgentID, phone: String, password: SecretSource, signIn: [SignInField] = [], keyPath: String, skills: SkillChoice? = nil) {
            self.id = id
            self.phone = phone
            self.password = password
            self.signIn = signIn
            self.keyPath = keyPath
            self.skills = skills
        }
    }

    /// One extra sign-in body field.
    public struct SignInField: Sendable, Equatable {
        public var name: String
        public var value: JSONValue
    }

    /// Log output.
    public struct LogSettings: Sendable, Equatable {
        public var level: LogLevel = .info
        public var format: LogFormat = .json
        public init(level: LogLevel = .info, format: LogFormat = .json) {
            self.level = level
            self.format = format
        }
    }

    /// swift-log's levels, by their names.
    public enum LogLevel: String, Sendable, Equatable, CaseIterable {
        case trace, debug, info, notice, warning, error, critical
    }

    /// How log lines are written to stdout.
    public enum LogFormat: String, Sendable, Equatable {
        case json, text
    }

    public init(listen: Listen = Listen(), gateway: Gateway, sessions: Sessions = Sessions(), agents: [Agent], logging: LogSettings = LogSettings()) {
        self.listen = listen
        self.gateway = gateway
        self.sessions = sessions
        self.agents = agents
        self.logging = logging
    }
}
