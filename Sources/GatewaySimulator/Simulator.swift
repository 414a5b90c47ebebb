import Foundation
import Hummingbird
import HummingbirdTLS
public import Logging
import NIOCore
import NIOSSL
public import ServiceLifecycle

/// A CC-Gateway simulator on loopback: HTTPS with a private CA minted at start
/// (or plain HTTP), the gateway's routes, and an admin API. Runs as a `Service`.
public struct Simulator: Service {
    public let options: SimulatorOptions
    public let gateway: SimulatedGateway
    /// The CA that signed the simulator's certificate; nil when serving plain HTTP.
    public let certificateAuthority: PrivateCA?
    let host: String
    let port: Int
    let requireClientCertificate: Bool
    let logger: Logger
    let onServerRunning: @Sendable (Int) async -> Void

    /// - Parameters:
    ///   - tls: serve HTTPS with a freshly minted private CA.
    ///   - port: 0 picks a free port, reported through `onServerRunning`.
    ///   - certificateHosts: the names and addresses the server certificate is valid for.
    public init(
        options: SimulatorOptions, host: String = "127.0.0.1", port: Int = 0, tls: Bool = true,
        certificateHosts: [String] = ["localhost", "127.0.0.1", "::1"], requireClientCertificate: Bool = false, logger: Logger,
        onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) throws {
        self.options = options
        self.gateway = SimulatedGateway(options: options)
        self.certificateAuthority = tls ? try PrivateCA(hosts: certificateHosts) : nil
        self.host = host
        self.port = port
        self.requireClientCertificate = requireClientCertificate
        self.logger = logger
        self.onServerRunning = onServerRunning
    }

    /// The simulator's routes (`SimulatorRoutes`), to serve or to call in process.
    func buildRouter() -> Router<SimulatorRoutes.Context> { SimulatorRoutes(gateway: gateway, options: options).router() }

    public func run() async throws {
        guard options.ringEvery != nil else { return try await serve() }
        // The made-up calls run beside the server and stop with it.
        try await withThrowingTaskGroup { group in
            group.addTask { [gateway] in
                while (try? await Task.sleep(for: .milliseconds(100))) != nil { await gateway.ringDueAgents() }
            }
            try await serve()
            group.cancelAll()
        }
    }

    private func serve() async throws {
        let router = buildRouter()
        let configuration = ApplicationConfiguration(address: .hostname(host, port: port), serverName: nil)
        let report = onServerRunning
        if let ca = certificateAuthority {
            var tls = TLSConfiguration.makeServerConfiguration(
                certificateChain: [.certificate(try NIOSSLCertificate(bytes: Array(ca.serverCertificatePEM.utf8), format: .pem))],
                privateKey: .privateKey(try NIOSSLPrivateKey(bytes: Array(ca.serverKeyPEM.utf8), format: .pem)))
            tls.minimumTLSVersion = .tlsv12
            if requireClientCertificate {
                // Mutual TLS: only clients with a certificate from this CA get in.
                tls.certificateVerification = .noHostnameVerification
                tls.trustRoots = .certificates([try NIOSSLCertificate(bytes: Array(ca.caCertificatePEM.utf8), format: .pem)])
            }
            // Do not wait 5 s for a close_notify from clients that already left (tests stop quickly).
            tls.shutdownTimeout = .milliseconds(200)
            let app = Application(
                router: router, server: try .tls(.http1(), tlsConfiguration: tls), configuration: configuration,
                onServerRunning: { await report($0.localAddress?.port ?? 0) }, logger: logger)
            try await app.run()
        } else {
            let app = Application(
                router: router, configuration: configuration,
                onServerRunning: { await report($0.localAddress?.port ?? 0) }, logger: logger)
            try await app.run()
        }
    }
}
