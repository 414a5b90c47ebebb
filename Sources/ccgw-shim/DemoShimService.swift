import Foundation
import Logging
import ServiceLifecycle
import ShimCore
import ShimServer

/// Starts the shim once the simulator's port is known, configured for it.
struct DemoShimService: Service {
    let ports: AsyncStream<Int>
    let caFile: String
    let listenPort: Int
    let logger: Logger

    func run() async throws {
        var iterator = ports.makeAsyncIterator()
        guard let gatewayPort = await iterator.next() else { return }
        let yaml = """
            listen: {host: 127.0.0.1, port: \(listenPort)}
            gateway:
              url: https://127.0.0.1:\(gatewayPort)
              authMode: dynamic
              caFile: \(caFile)
            # Signed in at once, so the simulator's made-up calls show on /v1/events right away.
            sessions: {signInAtStartup: true}
            agents:
              - {id: "1001", phone: "70001", password: demo-password-1001}
              - {id: "1002", phone: "70002", password: demo-password-1002}
            logging: {level: info, format: text}
            """
        let loaded = try ConfigLoader().load(yaml: yaml)
        let levelControl = LogLevelControl(.info)
        var options = ShimRuntime.Options()
        options.onServerRunning = { port in
            FileHandle.standardOutput.write(
                Data(
                    """
                    ccgw-shim demo: simulator on https://127.0.0.1:\(gatewayPort) (private CA), shim on http://127.0.0.1:\(port). Try:
                    curl -s -X POST http://127.0.0.1:\(port)/v1/agents/1001/reset-skill -H 'Content-Type: application/json' -d '{"skills":[1,2,7]}'
                    and watch the agents' events (the simulator rings them now and then):
                    curl -N http://127.0.0.1:\(port)/v1/events

                    """.utf8))
        }
        let runtime = try ShimRuntime(
            loaded: loaded, logger: makeLogger(loaded.config.logging, levelControl: levelControl), levelControl: levelControl, options: options)
        try await runtime.run()
    }
}
