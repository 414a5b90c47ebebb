import Foundation
import NIOCore
import ServiceLifecycle

/// A listener (the API's or the metrics') whose failure to bind names the config key
/// to change, instead of NIO's `bind(descriptor:ptr:bytes:)` and an errno.
struct Listener: Service {
    let server: any Service
    /// The config key the address comes from: `listen` or `metrics.listen`.
    let key: String
    let host: String
    let port: Int

    func run() async throws {
        do {
            try await server.run()
        } catch let error as IOError {
            throw ListenError(key: key, host: host, port: port, errno: error.errnoCode) ?? error
        }
    }
}

/// The address could not be bound: one line for an operator, naming the key to change,
/// e.g. `listen.port: cannot listen on 127.0.0.1:8080: another process listens there`.
public struct ListenError: Error, CustomStringConvertible {
    /// The config key to change: `listen.port`, `listen.host`, `metrics.listen.port`, ...
    public let key: String
    public let address: String
    public let problem: String

    /// Nil for an errno that is not about the address (those keep NIO's own message).
    init?(key: String, host: String, port: Int, errno: CInt) {
        address = host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
        switch errno {
        case EADDRINUSE: (self.key, problem) = ("\(key).port", "another process listens there")
        case EACCES: (self.key, problem) = ("\(key).port", "a port below 1024 needs CAP_NET_BIND_SERVICE")
        case EADDRNOTAVAIL: (self.key, problem) = ("\(key).host", "\(host) is not an address of this machine")
        default: return nil
        }
    }

    public var description: String { "\(key): cannot listen on \(address): \(problem)" }
}
