/// What an agent session needs from the gateway: send one operation with the
/// session's GUID and cookies within a deadline, and get the gateway's answer or
/// a typed transport failure.
///
/// `GatewayHTTPClient` implements it over HTTPS; tests use an in-memory fake, so
/// the session rules (sign-in, replay, GUID refresh, generations) are tested
/// without sockets.
public protocol GatewayTransport: Sendable {
    /// Sends `operation` and reads its whole answer.
    ///
    /// - Parameters:
    ///   - guid: the session GUID for the `Guid` header (PROTOCOL.md §1.2); nil for (forced) sign-in.
    ///   - cookies: the agent's `Cookie` header value, if any (§1.2).
    ///   - body: a JSON body (sign-in only, §2.1).
    ///   - timeout: the whole call's budget, connect included.
    /// - Throws: `GatewayCallError` when no whole answer arrived.
    nonisolated(nonsending) func send(
        _ operation: GatewayOperation, guid: String?, cookies: String?, body: JSONValue?, timeout: Duration
    ) async throws(GatewayCallError) -> GatewayAnswer
}
