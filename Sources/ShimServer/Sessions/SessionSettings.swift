import ShimCore

/// The timing and policy every agent session follows.
struct SessionSettings: Sendable {
    var authMode: ShimConfig.AuthMode
    var forceLogin: Bool
    var pollInterval: Duration
    var pollTimeout: Duration
    var requestTimeout: Duration
    /// `gateway.unpolledSignOut`: how long a saved session may be ours.
    var unpolledSignOut: Duration = .seconds(120)
    /// Retries after the first attempt for transient failures (100-007, 000-004,
    /// connection refused or reset, HTTP 5xx), all inside `requestTimeout`.
    var maxTransientRetries = 3
    /// First backoff step; doubled per retry, with jitter.
    var retryBackoff: Duration = .milliseconds(100)
    /// Cap of the poll loop's backoff after failed polls.
    var maxPollBackoff: Duration = .seconds(5)
    /// Budget of the sign-out calls at shutdown.
    var signOutTimeout: Duration = .seconds(3)
    /// Requests that may wait for one agent's turn (`limits.maxQueuedPerAgent`).
    var maxQueuedPerAgent = 64
    /// `sessions.keepSignedIn`: sign in again by itself after the gateway ended the session.
    var keepSignedIn = false
    /// `skills.configuredCacheTTL`: how long the gateway's list of configured skills is reused.
    var configuredCacheTTL: Duration = .seconds(30)
    /// `skills.reapplyMaxBackoff`: the cap of the re-apply loop's backoff.
    var reapplyMaxBackoff: Duration = .seconds(30)

    /// `sessions.signInAtStartup`: every agent this process holds is signed in at start.
    var signInAtStartup = false

    /// The session machine's policy.
    var policy: SessionMachine.Policy { SessionMachine.Policy(signInAtStartup: signInAtStartup, keepSignedIn: keepSignedIn) }

    init(config: ShimConfig) {
        signInAtStartup = config.sessions.signInAtStartup
        authMode = config.gateway.authMode
        forceLogin = config.sessions.forceLogin
        pollInterval = config.sessions.pollInterval
        pollTimeout = config.gateway.pollTimeout
        requestTimeout = config.gateway.requestTimeout
        unpolledSignOut = config.gateway.unpolledSignOut
        maxQueuedPerAgent = config.limits.maxQueuedPerAgent
        keepSignedIn = config.sessions.keepSignedIn
        configuredCacheTTL = config.skills.configuredCacheTTL
        reapplyMaxBackoff = config.skills.reapplyMaxBackoff
    }

    /// Backoff before transient retry number `attempt` of a sign-in or a request.
    func backoff(attempt: Int) -> Duration {
        backoff(attempt: attempt, base: retryBackoff, cap: .seconds(2))
    }

    /// Backoff before retry number `attempt` (1-based): base·2^(attempt-1), ±50 % jitter, capped.
    func backoff(attempt: Int, base: Duration, cap: Duration) -> Duration {
        let exponent = min(max(attempt - 1, 0), 16)
        let raw = min(base * (1 << exponent), cap)
        return raw * Double.random(in: 0.5...1.5)
    }
}
