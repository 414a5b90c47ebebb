import Foundation
import Logging
import ShimCore

/// Applies a re-read config to the running shim (SIGHUP).
///
/// The file is read and validated in full first; on any error the running
/// config stays and one line says why. Then: new agents become usable, removed
/// agents are signed out, changed credentials apply at the next sign-in, the log
/// level changes at once. Changes that need a restart (listen address, gateway,
/// session timing, metrics listener) are logged as such and not applied.
actor Reloader {
    private let configPath: String?
    private let loader: ConfigLoader
    private var running: ShimConfig
    private let registry: SessionRegistry
    private let makeSession: @Sendable (ShimConfig.Agent, String) -> AgentSession
    private let levelControl: LogLevelControl
    private let notifier: SystemdNotifier
    private let apply: @Sendable (ShimConfig) -> Void
    private let logger: Logger
    /// Cluster mode: told the new agent list (it releases the keys of agents that left).
    /// Told the new list of agents after a reload (cluster: the keys of agents that left are released).
    private let agentsChanged: @Sendable ([AgentID]) async -> Void

    init(
        configPath: String?, loader: ConfigLoader, running: ShimConfig, registry: SessionRegistry,
        makeSession: @escaping @Sendable (ShimConfig.Agent, String) -> AgentSession, levelControl: LogLevelControl,
        notifier: SystemdNotifier, apply: @escaping @Sendable (ShimConfig) -> Void, logger: Logger,
        agentsChanged: @escaping @Sendable ([AgentID]) async -> Void = { _ in }
    ) {
        self.agentsChanged = agentsChanged
        self.configPath = configPath
        self.loader = loader
        self.running = running
        self.registry = registry
        self.makeSession = makeSession
        self.levelControl = levelControl
        self.notifier = notifier
        self.apply = apply
        self.logger = logger
    }

    /// What one reload did, for logs and tests.
    struct Outcome: Sendable, Equatable {
        var applied = false
        var added: [String] = []
        var removed: [String] = []
        var updated: [String] = []
        var needsRestart: [String] = []
        var error: String?
    }

    /// Re-reads the config file and applies it.
    @discardableResult
    func reload() async -> Outcome {
        notifier.notify("RELOADING=1\nMONOTONIC_USEC=\(Self.monotonicMicroseconds())")
        defer { notifier.notify("READY=1") }
        guard let configPath else { return Outcome(error: "no config file to reload") }
        let loaded: ConfigLoader.Loaded
        do {
            loaded = try loader.load(path: configPath)
        } catch {
            logger.error("reload refused, keeping the running config: \(error)")
            return Outcome(error: "\(error)")
        }
        var outcome = Outcome(applied: true)
        let new = loaded.config
        if new.listen != running.listen { outcome.needsRestart.append("listen") }
        if new.gateway != running.gateway { outcome.needsRestart.append("gateway") }
        if new.sessions != running.sessions { outcome.needsRestart.append("sessions") }
        if new.metrics != running.metrics { outcome.needsRestart.append("metrics") }
        if new.logging.format != running.logging.format { outcome.needsRestart.append("logging.format") }
        if new.clients != running.clients || new.allowUnauthenticated != running.allowUnauthenticated { outcome.needsRestart.append("clients") }
        if new.limits != running.limits { outcome.needsRestart.append("limits") }
        if new.state != running.state { outcome.needsRestart.append("state") }
        if new.cluster != running.cluster { outcome.needsRestart.append("cluster") }
        levelControl.level = new.logging.level.loggerLevel

        let newIDs = Set(new.agents.map(\.id))
        for agent in new.agents {
            let password = loaded.passwords[agent.id] ?? ""
            if let session = registry.session(for: agent.id) {
                if await session.credentialsDiffer(agent: agent, password: password) {
                    await session.updateCredentials(agent: agent, password: password)
                    outcome.updated.append(agent.id.rawValue)
                }
            } else {
                registry.add(makeSession(agent, password))
                outcome.added.append(agent.id.rawValue)
            }
        }
        for session in registry.all where !newIDs.contains(session.agentID) {
            _ = registry.remove(session.agentID)
            outcome.removed.append(session.agentID.rawValue)
            await session.close(signOut: true)
        }
        apply(new)
        await agentsChanged(new.agents.map(\.id))
        running = new
        for key in outcome.needsRestart {
            logger.warning("reload: \(key) changed; this takes effect only after a restart")
        }
        logger.notice(
            "config reloaded",
            metadata: [
                "agents.added": "\(outcome.added.joined(separator: ","))", "agents.removed": "\(outcome.removed.joined(separator: ","))",
                "agents.updated": "\(outcome.updated.joined(separator: ","))", "logging.level": "\(new.logging.level.rawValue)",
            ])
        return outcome
    }

    /// CLOCK_MONOTONIC in microseconds, as `Type=notify-reload` wants with `RELOADING=1`.
    static func monotonicMicroseconds() -> UInt64 {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        return UInt64(spec.tv_sec) * 1_000_000 + UInt64(spec.tv_nsec) / 1000
    }
}
