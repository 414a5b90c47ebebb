/// How the simulated CC-Gateway behaves (PROTOCOL.md §11). Defaults follow the
/// documented gateway; tests shrink the timers.
public struct SimulatorOptions: Sendable {
    /// One configured agent.
    public struct Agent: Sendable {
        public var id: String
        public var password: String
        /// nil: no phone bound (resetskill answers 100-013).
        public var phone: String?
        public var skills: [Int]

        public init(id: String, password: String, phone: String? = nil, skills: [Int] = [1, 2, 3]) {
            self.id = id
            self.password = password
            self.phone = phone
            self.skills = skills
        }
    }

    /// AUTHMODE=1 (`static`) or 2 (`dynamic`).
    public enum AuthMode: String, Sendable { case `static`, dynamic }

    public var authMode: AuthMode = .dynamic
    public var agents: [Agent] = []
    /// GUIDINTERVAL: how often a dynamic GUID rotates (60 s on a real gateway).
    public var rotationInterval: Duration = .seconds(60)
    /// How long a superseded GUID stays accepted (GUIDTIMEOUT, 120 s; counted from supersession, an assumption).
    public var guidGrace: Duration = .seconds(120)
    /// Long-poll hold when no event is queued (100 × 100 ms on a real gateway).
    public var pollHold: Duration = .seconds(10)
    /// An agent not polled for this long is signed out (2 minutes).
    public var unpolledTimeout: Duration = .seconds(120)
    /// Hand out a cookie at sign-in and require it back (the "NSLB" knob, §11).
    public var requireCookie = true
    /// Also send a plain `Guid:` header beside `Set-GUID` at sign-in.
    public var sendPlainGuidHeader = false
    /// The highest agent id accepted (999999, or 59999 on older gateways, §1.4).
    public var maxAgentID = 999_999
    /// The longest `skillid` accepted (4000, or 100 on older gateways, §5.1).
    public var maxSkillIDLength = 4000
    /// Retcode for a signed-in agent called with an unknown/expired GUID (000-003; 100-006 allowed by the docs).
    public var badGUIDRetcode = "000-003"
    /// Faults in place from the start (e.g. for a client's start-up sign-ins); more
    /// can be added while running (`SimulatedGateway.addFault`, `/__sim/faults`).
    public var faults: [FaultRule] = []
    /// The journal keeps at most this many entries (the oldest half goes when full), so a
    /// long-running simulator with thousands of polling agents stays bounded.
    public var journalCapacity = 100_000
    /// Answer 000-007 to a second poll or resetskill for one agent while the first is unanswered.
    public var rejectOverlappingCalls = true

    /// Random misbehaviour for soak tests (issue #4): each call but sign-in/sign-out
    /// may get one of these, with the given probabilities (0…1).
    public struct Chaos: Sendable {
        public var noRight = 0.02  // 000-003
        public var notSignedIn = 0.01  // 100-006 (session kept)
        public var operationFailed = 0.02  // 100-007
        public var switchingOver = 0.02  // 000-004
        public var connectionReset = 0.01
        public var slowAnswer = 0.03  // delay up to `maxDelay`
        public var maxDelay: Duration = .milliseconds(200)
        /// Per resetskill: another client force-signs the agent in first.
        public var displacement = 0.005
        public init() {}
    }

    /// Chaos mode; nil: the simulator behaves.
    public var chaos: Chaos?
    /// Made-up inbound calls: each signed-in agent is rung about this often (`SimCallMaker`); nil: never.
    public var ringEvery: Duration?

    public init(agents: [Agent] = []) {
        self.agents = agents
    }
}
