/// Hands "start polling this agent's session" requests to `SessionService`, which
/// runs every poll loop as a child task of its own task group (structured
/// concurrency: pollers end when the service does).
struct PollerLauncher: Sendable {
    struct Request: Sendable {
        let session: AgentSession
        let generation: Int
    }

    let requests: AsyncStream<Request>
    private let continuation: AsyncStream<Request>.Continuation

    init() {
        (requests, continuation) = AsyncStream.makeStream(of: Request.self)
    }

    /// Asks for a poll loop bound to one sign-in (its generation).
    func launch(_ session: AgentSession, generation: Int) {
        continuation.yield(Request(session: session, generation: generation))
    }

    /// No more poll loops are started after this.
    func finish() { continuation.finish() }
}
