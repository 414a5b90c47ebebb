/// The events kept per agent so a subscriber that reconnects gets what it missed, and
/// what was dropped, so a resume that cannot be served whole says how much it lost.
///
/// Per agent: the newest `perAgent` events no older than `maxAge`, whatever their origin
/// (this process's own, or, in a cluster, the members' it relays). Of the events dropped
/// from that window the log remembers the newest 64 ids and types (not their contents),
/// which is how `ccgw.gap` counts losses exactly; past those the count is unknown (null).
/// An origin that ended without saying goodbye (a member that died) may have had events
/// nobody received: a cursor that has not heard so gets a gap of unknown size.
/// Pure: times come in as ms since 1970; the server serializes access.
public struct EventLog: Sendable {
    public struct Limits: Sendable, Equatable {
        public var perAgent: Int
        /// ms.
        public var maxAge: Int64
        public init(perAgent: Int = 64, maxAge: Int64 = 600_000) {
            self.perAgent = perAgent
            self.maxAge = maxAge
        }
    }

    /// What a resume gets: the kept events after the cursor, oldest first, and the gap
    /// to report before them, if any.
    public struct Backlog: Sendable {
        public var events: [AgentEvent]
        public var gap: Gap?
    }

    /// Events after the cursor that are no longer kept (or never arrived).
    public struct Gap: Sendable, Equatable {
        /// How many, nil when unknown (a cursor from an earlier process, more drops than
        /// remembered, a member that died).
        public var lost: Int?
        /// Per origin, the last sequence the report covers: the subscriber's cursor says so afterwards.
        public var reportedThrough: [String: UInt64]

        public init(lost: Int?, reportedThrough: [String: UInt64]) {
            self.lost = lost
            self.reportedThrough = reportedThrough
        }
    }

    struct Dropped: Sendable {
        let id: EventID
        let type: String
    }

    struct AgentEvents: Sendable {
        var kept: Ring<AgentEvent>
        var dropped = Ring<Dropped>(capacity: EventLog.droppedRemembered)
        var droppedTotal = 0
    }

    static let droppedRemembered = 64

    public let origin: String
    public let limits: Limits
    /// The newest sequence seen of each origin (this process's own included).
    public private(set) var heads: [String: UInt64]
    /// Origins that ended without a goodbye, with their last sequence seen.
    public private(set) var ended: [String: UInt64] = [:]
    /// Events kept now, all agents.
    public private(set) var keptCount = 0
    private var agents: [AgentID: AgentEvents] = [:]

    public init(origin: String, limits: Limits) {
        self.origin = origin
        self.limits = limits
        self.heads = [origin: 0]
    }

    /// The sequence of the newest event this origin made.
    public var lastSequence: UInt64 { heads[origin] ?? 0 }

    /// The id of the next event this origin makes.
    public mutating func nextID() -> EventID {
        let next = lastSequence + 1
        heads[origin] = next
        return EventID(origin: origin, sequence: next)
    }

    /// Where a subscriber without a cursor starts: after the newest event of every origin.
    public var liveCursor: EventCursor {
        EventCursor(
            marks: heads.sorted { $0.key == origin || ($1.key != origin && $0.key < $1.key) }.map { .init(origin: $0.key, sequence: $0.value) })
    }

    /// Keeps an agent's event (this origin's, made with `nextID`, or one relayed from
    /// another origin); returns how many of the agent's events it pushed out of the window.
    @discardableResult
    public mutating func keep(_ event: AgentEvent, now: Int64) -> Int {
        if event.id.origin != origin { heads[event.id.origin] = max(heads[event.id.origin] ?? 0, event.id.sequence) }
        guard let agent = event.agentID else { return 0 }
        var entry = agents.removeValue(forKey: agent) ?? AgentEvents(kept: Ring(capacity: limits.perAgent))
        var dropped = expire(&entry, now: now)
        if let pushed = entry.kept.append(event) {
            remember(pushed, in: &entry)
            dropped += 1
        } else {
            keptCount += 1
        }
        agents[agent] = entry
        return dropped
    }

    /// An origin we heard from ended without a goodbye (its member died): what it sent
    /// after the last event we got is unknown.
    public mutating func originEnded(_ ended: String) {
        guard ended != origin, let head = heads[ended] else { return }
        self.ended[ended] = head
    }

    /// The kept events after `cursor` for the agents `scope` allows and the types `types`
    /// matches, oldest first, and the gap before them. No cursor: nothing (live only).
    public mutating func backlog(after cursor: EventCursor?, scope: (AgentID) -> Bool, types: EventTypeFilter, now: Int64) -> Backlog {
        guard let cursor, !cursor.marks.isEmpty else { return Backlog(events: [], gap: nil) }
        var events: [AgentEvent] = []
        // Marks of origins this log never heard of: an earlier process, or a member it never
        // relayed. What came after them is unknown.
        var lost: Int? = cursor.marks.allSatisfy { heads[$0.origin] != nil } ? 0 : nil
        for (endedOrigin, head) in ended {
            if let mark = cursor.mark(for: endedOrigin), mark.lossesUnreportedAfter <= head { lost = nil }
        }
        for agent in Array(agents.keys) where scope(agent) {
            var entry = agents.removeValue(forKey: agent)!
            expire(&entry, now: now)
            for position in 0..<entry.kept.count {
                let event = entry.kept[position]
                if Self.isAfter(event.id, cursor), types.matches(event.type) { events.append(event) }
            }
            if let count = Self.lost(in: entry, after: cursor, types: types) {
                lost = lost.map { $0 + count }
            } else {
                lost = nil
            }
            agents[agent] = entry
        }
        events.sort {
            $0.at != $1.at ? $0.at < $1.at : ($0.id.origin != $1.id.origin ? $0.id.origin < $1.id.origin : $0.id.sequence < $1.id.sequence)
        }
        guard lost != 0 else { return Backlog(events: events, gap: nil) }
        var reported = heads
        // An ended origin's unknown tail counts as reported once said.
        for (endedOrigin, head) in ended { reported[endedOrigin] = head + 1 }
        return Backlog(events: events, gap: Gap(lost: lost, reportedThrough: reported))
    }

    /// Drops every agent's events older than `maxAge` (a periodic sweep; reads expire too).
    public mutating func expireAll(now: Int64) {
        for agent in Array(agents.keys) {
            var entry = agents.removeValue(forKey: agent)!
            expire(&entry, now: now)
            if entry.kept.isEmpty, entry.dropped.isEmpty { continue }
            agents[agent] = entry
        }
    }

    // MARK: Private

    /// Whether an event is after the cursor: after its origin's mark, or of an origin the
    /// cursor has no mark for (it began after the subscriber's cursor was made).
    private static func isAfter(_ id: EventID, _ cursor: EventCursor) -> Bool {
        guard let mark = cursor.mark(for: id.origin) else { return true }
        return id.sequence > mark.sequence
    }

    @discardableResult
    private mutating func expire(_ entry: inout AgentEvents, now: Int64) -> Int {
        var count = 0
        while let oldest = entry.kept.first, now - oldest.at > limits.maxAge {
            entry.kept.removeFirst()
            keptCount -= 1
            remember(oldest, in: &entry)
            count += 1
        }
        return count
    }

    private func remember(_ event: AgentEvent, in entry: inout AgentEvents) {
        entry.dropped.append(Dropped(id: event.id, type: event.type))
        entry.droppedTotal += 1
    }

    /// How many of an agent's dropped events after the cursor the filter matches; nil when
    /// more were dropped than remembered and the oldest remembered is after the cursor.
    private static func lost(in entry: AgentEvents, after cursor: EventCursor, types: EventTypeFilter) -> Int? {
        func unreported(_ id: EventID) -> Bool {
            guard let mark = cursor.mark(for: id.origin) else { return true }
            return id.sequence > mark.lossesUnreportedAfter
        }
        guard let oldest = entry.dropped.first else { return 0 }
        if entry.droppedTotal > entry.dropped.count, unreported(oldest.id) { return nil }
        var count = 0
        for position in 0..<entry.dropped.count {
            let dropped = entry.dropped[position]
            if unreported(dropped.id), types.matches(dropped.type) { count += 1 }
        }
        return count
    }
}
