import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
public import ShimCore

/// Makes the shim's calls to the CC-Gateway over pooled async-http-clients.
///
/// TLS trusts only the configured CA bundle (or the system store), never
/// everything (PROTOCOL.md §7, §8 pitfall 12); redirects are refused; connection
/// failures surface at once rather than being retried inside the pool, so the
/// caller's bounded retry policy is the only one.
public final class GatewayHTTPClient: GatewayTransport {
    public let baseURL: GatewayURL
    /// One pool per group of about `agentsPerPool` agents; an agent always uses the same one.
    ///
    /// async-http-client looks through its whole connection list for an idle one on every
    /// request and every release. With one held poll per agent, a single pool for 10,000
    /// agents spent a quarter of the shim's CPU in those scans (docs/BENCHMARKS.md);
    /// pools of ~128 agents keep each scan short.
    private let clients: [HTTPClient]
    /// Times the held event polls (`LongCallWatch`).
    private let longCalls = LongCallWatch()
    public static let agentsPerPool = 128
    /// The largest answer body read; anything bigger is `responseTooLarge`.
    public let maxBodyBytes: Int

    /// The host requests are addressed to: `gateway.serverName` when set (the TLS
    /// name to verify), else the URL's host.
    private let requestBase: String

    /// Builds the client. Throws a `ConfigError` naming the key of a file that cannot be used.
    ///
    /// `serverName` works through a DNS override: requests go to
    /// `https://<serverName>:<port>` and that name resolves to the URL's address, so
    /// SNI and certificate verification use the name while the socket goes to the IP.
    /// `agents` sizes the pools: each allows two connections per agent it serves (a
    /// held poll and one call) plus headroom for agents added by a reload.
    public init(gateway: ShimConfig.Gateway, agents: Int, maxBodyBytes: Int = 1 << 20) throws(ConfigError) {
        self.baseURL = gateway.url
        self.maxBodyBytes = maxBodyBytes
        var tls = TLSConfiguration.makeClientConfiguration()
        if let caFile = gateway.caFile {
            tls.trustRoots = .certificates(try PEMFile.certificates(caFile, key: "gateway.caFile"))
        }
        if let certFile = gateway.clientCertFile, let keyFile = gateway.clientKeyFile {
            tls.certificateChain = try PEMFile.certificates(certFile, key: "gateway.clientCertFile").map { .certificate($0) }
            tls.privateKey = .privateKey(try PEMFile.privateKey(keyFile, key: "gateway.clientKeyFile"))
        }
        if gateway.insecureSkipVerify { tls.certificateVerification = .none }
        // Closing a connection waits this long for the gateway's close_notify; a gateway
        // stuck on an abandoned call must not hold the shim's exit for the default 5 s.
        tls.shutdownTimeout = .milliseconds(500)
        var configuration = HTTPClient.Configuration(
            tlsConfiguration: tls,
            redirectConfiguration: .disallow,
            timeout: .init(connect: TimeAmount(gateway.connectTimeout)),
            connectionPool: .init(
                idleTimeout: .seconds(60),
                concurrentHTTP1ConnectionsPerHostSoftLimit: 2 * min(max(agents, 1), Self.agentsPerPool) + 64),
            ignoreUncleanSSLShutdown: false,
            decompression: .disabled
        )
        configuration.connectionPool.retryConnectionEstablishment = false
        // No tracing spans: nothing here consumes them, and starting one per call cost
        // ~4 % of the CPU of polling 2,000 agents (docs/BENCHMARKS.md).
        configuration.tracing.tracer = nil
        configuration.httpVersion = .http1Only
        if let serverName = gateway.serverName, gateway.url.isTLS {
            configuration.dnsOverride = [serverName: gateway.url.host]
            requestBase = "\(gateway.url.scheme)://\(serverName):\(gateway.url.port)"
        } else {
            requestBase = gateway.url.description
        }
        let pools = max(1, (agents + Self.agentsPerPool - 1) / Self.agentsPerPool)
        self.clients = (0..<pools).map { _ in HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration) }
        longCalls.start()
    }

    /// Sends one call and reads its whole answer.
    ///
    /// Runs on the caller's executor (`nonisolated(nonsending)`) and waits on the answer's
    /// future with a plain continuation: an agent's actor calls this for every poll and
    /// every resetskill, and hopping to the global executor and back cost two extra jobs
    /// per call (docs/BENCHMARKS.md).
    ///
    /// - Parameters:
    ///   - guid: the session GUID for the `Guid` header (PROTOCOL.md §1.2); nil for (forced) sign-in.
    ///   - cookies: the agent's `Cookie` header value, if any.
    ///   - body: a JSON body (sign-in only).
    ///   - timeout: the whole call's budget, connect included.
    nonisolated(nonsending) public func send(
        _ operation: GatewayOperation, guid: String?, cookies: String?, body: JSONValue?, timeout: Duration
    ) async throws(GatewayCallError) -> GatewayAnswer {
        var headers = HTTPHeaders()
        headers.reserveCapacity(5)
        headers.add(name: "Content-Type", value: "application/json; charset=UTF-8")
        headers.add(name: "Accept", value: "application/json")
        if let guid { headers.add(name: "Guid", value: guid) }
        if let cookies { headers.add(name: "Cookie", value: cookies) }
        let budget = max(TimeAmount(timeout), .milliseconds(1))
        let collector = AnswerCollector(maxBodyBytes: maxBodyBytes)
        do {
            let request = try HTTPClient.Request(
                url: requestBase + operation.pathAndQuery, method: HTTPMethod(rawValue: operation.method), headers: headers,
                body: body.map { .byteBuffer(ByteBuffer(string: $0.serialized)) })
            let client = clients[(Int(operation.agent.rawValue) ?? 0) % clients.count]
            let deadline = NIODeadline.now() + budget
            // Held polls are timed by the shared sweep, every other call by its own timer.
            let held = operation.isHeldPoll
            let task = client.execute(request: request, delegate: collector, eventLoop: .indifferent, deadline: held ? nil : deadline)
            let ticket =
                held
                ? longCalls.watch(deadline: deadline) {
                    collector.expired = true
                    task.cancel()
                } : nil
            defer { if let ticket { longCalls.forget(ticket) } }
            let response = try await withTaskCancellationHandler {
                try await withUnsafeThrowingContinuation { continuation in
                    task.futureResult.whenComplete { continuation.resume(with: $0) }
                }
            } onCancel: {
                task.cancel()
            }
            return GatewayAnswer(
                status: response.status,
                body: Array(response.body.readableBytesView),
                contentType: response.headers.first(name: "Content-Type"),
                newGUID: GUIDHeader.guid(in: response.headers),
                setCookies: response.headers["Set-Cookie"]  // names compare case-insensitively
            )
        } catch is AnswerCollector.TooLarge {
            throw GatewayCallError(.responseTooLarge, "the gateway's \(operation.logName) answer exceeded \(maxBodyBytes) bytes")
        } catch let error as HTTPClientError where collector.expired && error == .cancelled {
            throw GatewayCallError(.timeout, "the gateway at \(baseURL.host):\(baseURL.port) did not answer \(operation.logName) in time")
        } catch let error as HTTPClientError where collector.receivedHead && (error == .deadlineExceeded || error == .readTimeout) {
            throw GatewayCallError(.timeout, "the gateway at \(baseURL.host):\(baseURL.port) did not finish its \(operation.logName) answer in time")
        } catch let error as HTTPClientError where collector.receivedHead && error == .cancelled {
            throw classify(error, operation: operation)
        } catch  where collector.receivedHead {
            // The head arrived, the body did not: the call reached the gateway, its answer was lost.
            throw GatewayCallError(
                .connectionReset, "the gateway at \(baseURL.host):\(baseURL.port) closed the connection during the \(operation.logName) answer")
        } catch let error as GatewayCallError {
            throw error
        } catch {
            throw classify(error, operation: operation)
        }
    }

    /// Maps transport errors to the few kinds the shim reports; the text names the
    /// gateway's address and what failed, so an operator can act on it.
    func classify(_ error: any Error, operation: GatewayOperation) -> GatewayCallError {
        let target = "\(baseURL.host):\(baseURL.port)"
        let name = operation.logName
        if let httpError = error as? HTTPClientError {
            switch httpError {
            case .deadlineExceeded, .readTimeout, .writeTimeout, .getConnectionFromPoolTimeout:
                return GatewayCallError(.timeout, "the gateway at \(target) did not answer \(name) in time")
            case .connectTimeout:
                return GatewayCallError(.unreachable, "connecting to the gateway at \(target) timed out")
            case .tlsHandshakeTimeout:
                // A slow handshake is no certificate problem: like a slow connect, nothing was
                // sent yet, so it is retried like one (`.tls` is for a refused certificate).
                return GatewayCallError(.unreachable, "TLS handshake with the gateway at \(target) timed out")
            case .remoteConnectionClosed, .uncleanShutdown, .bodyLengthMismatch:
                return GatewayCallError(.connectionReset, "the gateway at \(target) closed the connection during \(name)")
            case .cancelled:
                return GatewayCallError(.timeout, "the \(name) call to \(target) was cancelled before it was answered")
            default:
                return GatewayCallError(.unreachable, "the \(name) call to \(target) failed (\(httpError))")
            }
        }
        if error is NIOSSLError || error is BoringSSLError || error is NIOSSLExtraError {
            return GatewayCallError(
                .tls, "TLS with the gateway at \(target) failed: \(Self.tlsReason(error)); check gateway.caFile and the certificate's names")
        }
        if error is HTTPParserError {
            return GatewayCallError(.connectionReset, "the gateway at \(target) sent a broken HTTP answer to \(name)")
        }
        if error is CancellationError {
            return GatewayCallError(.timeout, "the \(name) call to \(target) was cancelled before it was answered")
        }
        if let ioError = error as? IOError {
            switch ioError.errnoCode {
            case ECONNREFUSED: return GatewayCallError(.unreachable, "the gateway at \(target) refused the connection")
            case ECONNRESET, EPIPE: return GatewayCallError(.connectionReset, "the gateway at \(target) reset the connection during \(name)")
            default: return GatewayCallError(.unreachable, "cannot reach the gateway at \(target) (errno \(ioError.errnoCode))")
            }
        }
        if let connectError = error as? NIOConnectionError {
            let refused = connectError.connectionErrors.contains { ($0.error as? IOError)?.errnoCode == ECONNREFUSED }
            return GatewayCallError(
                .unreachable, refused ? "the gateway at \(target) refused the connection" : "cannot connect to the gateway at \(target)")
        }
        if let channelError = error as? ChannelError {
            switch channelError {
            case .connectTimeout: return GatewayCallError(.unreachable, "connecting to the gateway at \(target) timed out")
            case .eof, .ioOnClosedChannel, .alreadyClosed, .outputClosed, .inputClosed:
                return GatewayCallError(.connectionReset, "the gateway at \(target) closed the connection during \(name)")
            default: return GatewayCallError(.unreachable, "cannot reach the gateway at \(target)")
            }
        }
        return GatewayCallError(.unreachable, "the \(name) call to \(target) failed (\(String(describing: type(of: error))))")
    }

    /// A short, secret-free description of a TLS failure.
    static func tlsReason(_ error: any Error) -> String {
        let text = String(describing: error)
        if text.contains("CERTIFICATE_VERIFY_FAILED") || text.contains("certificate verify failed") {
            return "the gateway's certificate is not trusted"
        }
        if text.contains("hostname") || text.contains("unableToValidateCertificate") || text.contains("HOSTNAME") {
            return "the gateway's certificate does not match its address"
        }
        if text.contains("WRONG_VERSION_NUMBER") || text.contains("wrong version") {
            return "the gateway did not speak TLS"
        }
        return "handshake failed"
    }

    /// Closes pooled connections; call once, at shutdown.
    public func shutdown() async throws {
        longCalls.stop()
        for client in clients { try await client.shutdown() }
    }
}
