/// The held polls waiting for something to change, by agent and ticket: one
/// continuation each, resumed once (by a change, its timer, or its cancellation).
struct HeldPolls {
    private var waiting: [String: [Int: CheckedContinuation<Void, Never>]] = [:]
    private var tickets = 0

    mutating func nextTicket() -> Int {
        tickets += 1
        return tickets
    }

    mutating func park(_ id: String, ticket: Int, _ continuation: CheckedContinuation<Void, Never>) {
        waiting[id, default: [:]][ticket] = continuation
    }

    /// Resumes one held poll, if it still waits.
    mutating func wake(_ id: String, ticket: Int) {
        guard let continuation = waiting[id]?.removeValue(forKey: ticket) else { return }
        if waiting[id]?.isEmpty == true { waiting[id] = nil }
        continuation.resume()
    }

    /// Resumes every held poll of `id`.
    mutating func wakeAll(_ id: String) {
        guard let held = waiting.removeValue(forKey: id) else { return }
        for continuation in held.values { continuation.resume() }
    }
}
