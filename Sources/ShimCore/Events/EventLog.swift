/// The events kept per agent so a subscriber that reconnects gets what it missed, and
/// what was dropped, so a resume that cannot be served whole says how much it lost.
///
/// Per agent: the newest `perAgent` events no older than `maxAge`. Of the events dropped
/// from that window the log remembers the newest 64 ids and types (not their contents),
/// which is how `ccgw.gap` counts losses exactly; past those the count is unknown (null).
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

    /// Events after the cursor that are no longer kept.
    public struct Gap: Sendable, Equatable {
        /// How many, nil when unknown (a cursor from an earlier process, or more drops than remembered).
        public var lost: Int?
        /// The last sequence the report covers: the subscriber's cursor says so afterwards.
        public var reportedThrough: UInt64

        public init(lost: Int?, reportedThrough: UInt64) {
            self.lost = lost
            self.reportedThrough = reportedThrough
        }
    }

    struct Dropped: Sendable {
        let sequence: UInt64
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
    /// The sequence of the newest event this origin made.
    public private(set) var lastSequence: UInt64 = 0
    /// Events kept now, all agents.
    public private(set) var keptCount = 0
    private var agents: [AgentID: AgentEvents] = [:]

    public init(origin: String, limits: Limits) {
        self.origin = origin
        self.limits = limits
    }

    /// The id of the next event this origin makes.
    public mutating func nextID() -> EventID {
        lastSequence += 1
        return EventID(origin: origin, sequence: lastSequence)
    }

    /// Keeps an agent's event (made with `nextID`); returns how many of the agent's
    /// events it pushed out of the window.
    @discardableResult
    public mutating func keep(_ event: AgentEvent, now: Int64) -> Int {
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

    /// The kept events after `cursor` for the agents `scope` allows and the types `types`
    /// matches, oldest first, and the gap before them. No cursor: nothing (live only).
    public mutating func backlog(after cursor: EventCursor?, scope: (AgentID) -> Bool, types: EventTypeFilter, now: Int64) -> Backlog {
        guard let cursor, !cursor.marks.isEmpty else { return Backlog(events: [], gap: nil) }
        let mark = cursor.mark(for: origin)
        // A cursor without this origin's mark comes from an earlier process (or a member
        // this one never heard of): all this origin has is after it, and what came
        // between is unknown.
        let after = mark?.sequence ?? 0
        let unreportedAfter = mark?.lossesUnreportedAfter ?? 0
        var events: [AgentEvent] = []
        var lost: Int? = 0
        for agent in Array(agents.keys) where scope(agent) {
            var entry = agents.removeValue(forKey: agent)!
            expire(&entry, now: now)
            for position in 0..<entry.kept.count {
                let event = entry.kept[position]
                if event.id.sequence > after, types.matches(event.type) { events.append(event) }
            }
            if let count = Self.lost(in: entry, after: unreportedAfter, types: types) {
                lost = lost.map { $0 + count }
            } else {
                lost = nil
            }
            agents[agent] = entry
        }
        events.sort { $0.id.sequence < $1.id.sequence }
        if mark == nil { return Backlog(events: events, gap: Gap(lost: nil, reportedThrough: lastSequence)) }
        guard lost != 0 else { return Backlog(events: events, gap: nil) }
        return Backlog(events: events, gap: Gap(lost: lost, reportedThrough: lastSequence))
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

    /// Agents with anything kept or remembered.
    public var agentCount: Int { agents.count }

    // MARK: Private

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
        entry.dropped.append(Dropped(sequence: event.id.sequence, type: event.type))
        entry.droppedTotal += 1
    }

    /// How many of an agent's dropped events after `sequence` the filter matches; nil
    /// when more were dropped than remembered and the oldest remembered is after `sequence`.
    private static func lost(in entry: AgentEvents, after sequence: UInt64, types: EventTypeFilter) -> Int? {
        guard let oldest = entry.dropped.first, entry.dropped[entry.dropped.count - 1].sequence > sequence else { return 0 }
        if oldest.sequence > sequence, entry.droppedTotal > entry.dropped.count { return nil }
        var count = 0
        for position in 0..<entry.dropped.count {
            let dropped = entry.dropped[position]
            if dropped.sequence > sequence, types.matches(dropped.type) { count += 1 }
        }
        return count
    }
}
