import GatewaySimulator

/// A rig in front of the simulator: its journal, and the secrets that must never show,
/// read the same way by every rig.
protocol SimulatorJournalReading {
    var gateway: SimulatedGateway { get }
    var agents: [SimulatorOptions.Agent] { get }
}

extension SimulatorJournalReading {
    /// Journal entries of `operation` after sequence number `after`.
    func calls(_ operation: String, after sequence: Int = -1) async -> [JournalEntry] {
        await gateway.entries().filter { $0.operation == operation && $0.sequence > sequence }
    }

    /// The journal's last sequence number.
    func mark() async -> Int { await gateway.entries().last?.sequence ?? -1 }

    /// The lines of `texts` holding any GUID or cookie the simulator saw, an agent's
    /// password, or one of `extra`.
    func linesWithSecrets(in texts: [String], extra: [String] = []) async -> [String] {
        let journal = await gateway.entries()
        var secrets = Set(journal.compactMap(\.guid)).union(journal.compactMap(\.cookie)).union(agents.map(\.password)).union(extra)
        secrets.remove("")
        return texts.filter { line in secrets.contains { line.contains($0) } }
    }
}
