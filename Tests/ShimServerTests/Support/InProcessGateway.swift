import HTTPTypes
import HummingbirdTesting
import NIOCore
import ShimCore

/// The simulator as the shim's gateway, in process: each call goes through the
/// simulator's own routes (`Simulator.buildRouter`, its full HTTP behaviour: headers,
/// `Set-GUID`, cookies, held polls, faults) by HummingbirdTesting's router client, without
/// a socket. What only real sockets show (TLS, connection handling) stays in the live tests.
struct InProcessGateway: GatewayTransport {
    /// The router client holds only the responder and a logger, both `Sendable`; the
    /// protocol does not say so.
    struct Client: @unchecked Sendable {
        let client: any TestClientProtocol
    }

    let client: Client

    init(_ client: any TestClientProtocol) {
        self.client = Client(client: client)
    }

    private struct TimedOut: Error {}

    nonisolated(nonsending) func send(
        _ operation: GatewayOperation, guid: String?, cookies: String?, body: JSONValue?, timeout: Duration
    ) async throws(GatewayCallError) -> GatewayAnswer {
        var headers = HTTPFields()
        headers[.accept] = "application/json"
        if let guid { headers[HTTPField.Name("Guid")!] = guid }
        if let cookies { headers[.cookie] = cookies }
        if body != nil { headers[.contentType] = "application/json" }
        let method = HTTPRequest.Method(rawValue: operation.method)!
        let uri = operation.pathAndQuery
        let bytes = body.map { ByteBuffer(string: $0.serialized) }
        let response: TestResponse
        do {
            response = try await withThrowingTaskGroup(of: TestResponse?.self) { [client, headers] group in
                group.addTask { try await client.client.execute(uri: uri, method: method, headers: headers, body: bytes) }
                group.addTask {
                    try await Task.sleep(for: timeout)
                    return nil
                }
                defer { group.cancelAll() }
                guard let first = try await group.next(), let response = first else { throw TimedOut() }
                return response
            }
        } catch is TimedOut {
            throw GatewayCallError(.timeout, "the simulator did not answer \(operation.logName) in time")
        } catch is CancellationError {
            throw GatewayCallError(.timeout, "the \(operation.logName) call was cancelled before it was answered")
        } catch {
            // A dropped connection: the simulator's answer broke off mid-body.
            throw GatewayCallError(.connectionReset, "the simulator broke off its \(operation.logName) answer")
        }
        // Cancelled meanwhile (the request's deadline, shutdown): the router client turns the
        // cancelled handler into a 500, which a real client would never have read.
        if Task.isCancelled { throw GatewayCallError(.timeout, "the \(operation.logName) call was cancelled before it was answered") }
        return GatewayAnswer(
            status: Int(response.status.code), body: Array(response.body.readableBytesView), contentType: response.headers[.contentType],
            newGUID: GUIDHeader.guid(in: response.headers.map { (name: $0.name.rawName, value: $0.value) }),
            setCookies: response.headers[values: .setCookie])
    }
}
