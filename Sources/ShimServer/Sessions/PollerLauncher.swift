/// Hands "run this loop for this agent's session" requests to `SessionService`, which
/// runs every loop as a child task of its own task group (structured concurrency: the
/// loops end when the service does).
struct PollerLauncher: Sendable {
    /// Which loop of one sign-in.
    enum Kind: Sendable {
        /// The event poll loop (`AgentSession.runPoller`).
        case poll
        /// The re-apply of the agent's desired skills (`AgentSession.keepSkills`).
        case keepSkills
    }

    struct Request: Sendable {
        let session: AgentSession
        let generation: Int
        var kind: Kind = .poll

        /// Runs the loop; returns when it ends.
        func run() async {
            switch kind {
            case .poll: await session.runPoller(generation: generation)
            case .keepSkills: await session.keepSkills(generation: generation)
            }
        }
    }

    let requests: AsyncStream<Request>
    private let continuation: AsyncStream<Request>.Continuation

    init() {
        (requests, continuation) = AsyncStream.makeStream(of: Request.self)
    }

    /// Asks for a loop bound to one sign-in (its generation).
    func launch(_ session: AgentSession, generation: Int, kind: Kind = .poll) {
        continuation.yield(Request(session: session, generation: generation, kind: kind))
    }

    /// No more loops are started after this.
    func finish() { continuation.finish() }
}
