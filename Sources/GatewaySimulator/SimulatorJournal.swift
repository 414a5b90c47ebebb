/// What the simulator records of the requests it answers: the journal (bounded), the
/// calls in flight and the most ever at once, per operation, and the injected faults.
struct SimulatorJournal {
    let capacity: Int
    var entries: [JournalEntry] = []
    private var sequence = 0
    private(set) var inFlight: [String: Int] = [:]
    private(set) var peak: [String: Int] = [:]
    var faults: [FaultRule]

    init(capacity: Int, faults: [FaultRule]) {
        self.capacity = capacity
        self.faults = faults
    }

    /// Journals `entry` with the next sequence number; the oldest half goes when full.
    mutating func record(_ entry: JournalEntry) -> Int {
        var entry = entry
        sequence += 1
        entry.sequence = sequence
        if entries.count >= capacity { entries.removeFirst(max(1, entries.count / 2)) }
        entries.append(entry)
        return entry.sequence
    }

    mutating func started(_ operation: String) {
        inFlight[operation, default: 0] += 1
        peak[operation] = max(peak[operation] ?? 0, inFlight[operation]!)
    }

    mutating func ended(_ operation: String) { inFlight[operation, default: 1] -= 1 }

    /// The fault for this request, if any (consumes one use).
    mutating func takeFault(operation: String, agentID: String?) -> FaultRule.Action? {
        guard
            let index = faults.firstIndex(where: { rule in
                (rule.operation == nil || rule.operation == operation) && (rule.agentID == nil || rule.agentID == agentID)
            })
        else { return nil }
        let action = faults[index].action
        if let remaining = faults[index].remaining {
            if remaining <= 1 { faults.remove(at: index) } else { faults[index].remaining = remaining - 1 }
        }
        return action
    }
}
