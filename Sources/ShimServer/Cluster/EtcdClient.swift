import AsyncHTTPClient
import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOSSL
import ShimCore

/// etcd's v3 API through its JSON gateway (`POST /v3/...`, etcd 3.4 and later) over
/// async-http-client: leases, transactions and ranges, which is all ownership needs
/// (cluster/NOTES.md §2.1, §4). No maintained Swift etcd client has leases and
/// transactions, and the JSON gateway needs no new dependency.
///
/// Calls go to one endpoint at a time; on a connection failure, a timeout, or etcd's
/// "unavailable" (gRPC code 14, e.g. "leader changed") the call moves to the next
/// endpoint and tries again, once per endpoint.
final class EtcdClient: Sendable {
    let endpoints: [String]
    private let client: HTTPClient
    private let current = NIOLockedValueBox(0)
    /// Budget of one HTTP call to one endpoint.
    let callTimeout: Duration

    /// `endpoints`: `http(s)://host:port` each. `tls`: trust roots and client certificate
    /// for `https` endpoints (nil: the system trust store).
    init(endpoints: [String], tls: TLSConfiguration? = nil, callTimeout: Duration = .seconds(2)) {
        self.endpoints = endpoints
        self.callTimeout = callTimeout
        var configuration = HTTPClient.Configuration(
            tlsConfiguration: tls, redirectConfiguration: .disallow, timeout: .init(connect: .seconds(1)),
            connectionPool: .init(idleTimeout: .seconds(30), concurrentHTTP1ConnectionsPerHostSoftLimit: 16), ignoreUncleanSSLShutdown: false,
            decompression: .disabled)
        configuration.connectionPool.retryConnectionEstablishment = false
        configuration.httpVersion = .http1Only
        client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }

    /// The endpoint calls go to now.
    var endpoint: String { endpoints[current.withLockedValue { $0 } % endpoints.count] }

    /// One call: `path` such as `/v3/kv/txn`, with `body`; moves through the endpoints on
    /// failures that another member may not have.
    func call(_ path: String, _ body: JSONValue) async throws(EtcdError) -> JSONValue {
        var last = EtcdError(kind: .unreachable, message: "no etcd endpoint configured")
        for _ in 0..<max(endpoints.count, 1) {
            let index = current.withLockedValue { $0 }
            let endpoint = endpoints[index % endpoints.count]
            do {
                return try await callOnce(endpoint + path, body)
            } catch {
                last = error
                guard error.kind == .unreachable || error.kind == .refused(code: 14) else { throw error }
                current.withLockedValue { if $0 == index { $0 = index + 1 } }  // another caller may have moved on already
            }
        }
        throw last
    }

    private func callOnce(_ url: String, _ body: JSONValue) async throws(EtcdError) -> JSONValue {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(ByteBuffer(string: body.serialized))
        let bytes: ByteBuffer
        let status: UInt
        do {
            let response = try await client.execute(request, timeout: TimeAmount(callTimeout))
            status = response.status.code
            bytes = try await response.body.collect(upTo: 16 << 20)
        } catch {
            throw EtcdError(kind: .unreachable, message: "etcd at \(Self.hostPort(url)) cannot be reached (\(type(of: error)))")
        }
        guard let json = try? JSONParser.parse(bytes.readableBytesView) else {
            throw EtcdError(kind: .badAnswer, message: "etcd at \(Self.hostPort(url)) answered HTTP \(status) without JSON")
        }
        if status != 200 || (json["error"] != nil && json["header"] == nil) {
            let (code, message) = EtcdJSON.error(json) ?? (0, "HTTP \(status)")
            throw EtcdError(kind: .refused(code: code), message: "etcd at \(Self.hostPort(url)): \(message)")
        }
        return json
    }

    static func hostPort(_ url: String) -> String {
        guard let scheme = url.range(of: "://") else { return url }
        let rest = url[scheme.upperBound...]
        return String(rest.prefix { $0 != "/" })
    }

    // MARK: Leases

    /// Grants a lease of `ttl` seconds; its id and TTL.
    func grant(ttl: Int64) async throws(EtcdError) -> (id: Int64, ttl: Int64) {
        let answer = try await call("/v3/lease/grant", EtcdJSON.grant(ttlSeconds: ttl))
        let id = EtcdJSON.leaseID(answer)
        guard id != 0, let granted = EtcdJSON.ttl(answer) else { throw EtcdError(kind: .badAnswer, message: "etcd granted no lease") }
        return (id, granted)
    }

    /// Renews a lease once (one POST per keepalive: etcd ignores more in one request,
    /// etcd-io/etcd#8237). The TTL left, or nil when the lease is gone.
    func keepAlive(_ lease: Int64) async throws(EtcdError) -> Int64? {
        EtcdJSON.ttl(try await call("/v3/lease/keepalive", EtcdJSON.lease(lease)))
    }

    /// Revokes a lease: every key attached to it is deleted.
    func revoke(_ lease: Int64) async throws(EtcdError) {
        _ = try await call("/v3/lease/revoke", EtcdJSON.lease(lease))
    }

    // MARK: Keys

    /// Creates `key` on `lease` if it does not exist. Won: the key's creation revision
    /// (the epoch). Lost: the key as it is (its holder). `revision`: the store's revision
    /// the answer reflects.
    func createIfAbsent(
        _ key: String, value: String, lease: Int64
    ) async throws(EtcdError) -> (won: Bool, epoch: Int64, holder: EtcdKeyValue?, revision: Int64) {
        let answer = try await call("/v3/kv/txn", EtcdJSON.createIfAbsent(key: key, value: value, lease: lease))
        let revision = EtcdJSON.revision(answer)
        if EtcdJSON.succeeded(answer) { return (true, revision, nil, revision) }
        let holder = EtcdJSON.keys(answer).first
        return (false, holder?.createRevision ?? 0, holder, revision)
    }

    /// Whether `key` still has creation revision `epoch` on `lease`; when it does, `then`
    /// runs in the same transaction.
    func guarded(_ key: String, epoch: Int64, lease: Int64, then operations: [JSONValue] = []) async throws(EtcdError) -> Bool {
        EtcdJSON.succeeded(try await call("/v3/kv/txn", EtcdJSON.guarded(key: key, epoch: epoch, lease: lease, success: operations)))
    }

    /// One key (or nil), and the store's revision the answer reflects.
    func get(_ key: String) async throws(EtcdError) -> (value: EtcdKeyValue?, revision: Int64) {
        let answer = try await call("/v3/kv/range", EtcdJSON.range(key: key))
        return (EtcdJSON.keys(answer).first, EtcdJSON.revision(answer))
    }

    /// The keys from `from` up to `to`, and the store's revision the answer reflects.
    func list(from: String, to: String) async throws(EtcdError) -> (values: [EtcdKeyValue], revision: Int64) {
        let answer = try await call("/v3/kv/range", EtcdJSON.range(from: from, to: to))
        return (EtcdJSON.keys(answer), EtcdJSON.revision(answer))
    }

    /// Every key under `prefix`, and the store's revision the answer reflects.
    func list(prefix: String) async throws(EtcdError) -> (values: [EtcdKeyValue], revision: Int64) {
        let answer = try await call("/v3/kv/range", EtcdJSON.range(prefix: prefix))
        return (EtcdJSON.keys(answer), EtcdJSON.revision(answer))
    }

    /// Runs `operations` (puts, deletes) in one transaction without conditions.
    func apply(_ operations: [JSONValue]) async throws(EtcdError) {
        _ = try await call("/v3/kv/txn", .object([("success", .array(operations))]))
    }

    /// Closes the connections; call once.
    func shutdown() async {
        try? await client.shutdown()
    }
}
