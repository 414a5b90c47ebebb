import Foundation
import Logging
import ShimCore

extension StateStore {
    /// What `open` found: the store (nil: nothing is saved) and the saved sessions that
    /// may still be alive at the gateway.
    struct Opened {
        var store: StateStore?
        /// Sessions to resume, or (without a GUID) to take back on 100-002.
        var sessions: [AgentID: SavedSession] = [:]
        /// Saved sessions dropped: older than `gateway.unpolledSignOut`, or of an agent
        /// whose phone changed or that left the config.
        var gone = 0
    }

    /// Opens `config.state.directory`: reads the saved sessions that still apply, and
    /// checks by writing that the directory can hold the file. Never throws: a damaged,
    /// foreign or exposed file, or a directory that cannot be written, gets one line
    /// naming `state.directory` and the shim goes on (without saved sessions, or
    /// without saving).
    static func open(
        config: ShimConfig, now: Int64, interval: Duration = .seconds(1), touchInterval: Duration = .seconds(5), metrics: ShimMetrics,
        logger: Logger
    ) -> Opened {
        guard let directory = config.state.directory else { return Opened() }
        let prefix = "state.directory \(directory)"
        var isDirectory: ObjCBool = false
        if !FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory) {
            do {
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            } catch {
                logger.error("\(prefix): cannot create it; sessions will not be saved", metadata: ["state.directory": "\(directory)"])
                return Opened()
            }
        } else if !isDirectory.boolValue {
            logger.error("\(prefix): not a directory; sessions will not be saved", metadata: ["state.directory": "\(directory)"])
            return Opened()
        }
        let gatewayURL = config.gateway.url.description
        var state = SavedState(gatewayURL: gatewayURL, authMode: config.gateway.authMode.rawValue)
        switch StateFile.read(directory + "/" + fileName) {
        case .missing:
            break
        case .refused(let reason):
            logger.warning("\(prefix): \(reason)", metadata: ["state.directory": "\(directory)"])
        case .content(let bytes):
            do {
                state = try SavedState.decode(bytes, gatewayURL: gatewayURL, authMode: config.gateway.authMode.rawValue)
            } catch {
                logger.warning(
                    "\(prefix): \(fileName) is not used (\(error.reason)); starting without saved sessions",
                    metadata: ["state.directory": "\(directory)"])
            }
        }
        var opened = Opened()
        let phones = Dictionary(uniqueKeysWithValues: config.agents.map { ($0.id, $0.phone) })
        for (agent, session) in state.sessions {
            if phones[agent] == session.phone, session.mayBeAlive(now: now, unpolledSignOut: config.gateway.unpolledSignOut) {
                opened.sessions[agent] = session
            } else {
                opened.gone += 1
            }
        }
        state.sessions = opened.sessions
        // Desired skills outlive sessions, but not the agent's place in the config.
        state.desired = state.desired.filter { phones[$0.key] != nil }
        do {
            try StateFile.write(state.encoded(), to: directory + "/" + fileName)
        } catch {
            logger.error(
                "\(prefix): cannot write there (\(error)); sessions will not be saved, a restart will sign agents in again",
                metadata: ["state.directory": "\(directory)"])
            return opened
        }
        opened.store = StateStore(
            directory: directory, state: state, interval: interval, touchInterval: touchInterval, metrics: metrics, logger: logger)
        return opened
    }
}
