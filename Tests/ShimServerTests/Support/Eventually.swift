/// Waits until `condition` holds, checking every 50 ms, for at most `limit`; whether it did.
/// The limit is a ceiling for a loaded machine, not a timing that is asserted.
func eventually(_ limit: Duration = .seconds(20), _ condition: () async throws -> Bool) async rethrows -> Bool {
    let start = ContinuousClock.now
    while ContinuousClock.now - start < limit {
        if try await condition() { return true }
        try? await Task.sleep(for: .milliseconds(50))
    }
    return try await condition()
}
