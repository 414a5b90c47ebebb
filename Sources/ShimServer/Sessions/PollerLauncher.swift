/// Hands "run this loop for this agent's session" requests to `SessionService`, which
/// runs every loop as a child task of its own task group (structured concurrency: the
/// loops end when the service does).
struct PollerLauncher: Sendable {
    /// Which loop of one sign-in.
    enum Kind: Sendable {
        /// The event poll loop (`SessionPoller`).
        case poll
        /// The re-apply of the agent's desired skills (`SkillReapplier`).
        case keepSkills
    }

    struct Request: Sendable {
        let session: AgentSession
        let generation: Int
        var kind: Kind = .poll

        /// Runs the loop; returns when it ends.
        func run() async {
            switch kind {
            case .poll: await SessionPoller(generation: generation).run(session)
            case .keepSkills: await SkillReapplier(generation: generation).run(session)
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
