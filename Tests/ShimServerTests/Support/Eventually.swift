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

/// Fetches until `done` holds on what was fetched, for at most `limit`, and returns the
/// last value, for the caller to assert on. For the shim's own view, which trails the
/// simulator's journal by the answer the shim has not read yet.
func settled<T>(_ limit: Duration = .seconds(5), _ fetch: () async throws -> T, until done: (T) -> Bool) async throws -> T {
    var value = try await fetch()
    let start = ContinuousClock.now
    while !done(value), ContinuousClock.now - start < limit {
        try? await Task.sleep(for: .milliseconds(50))
        value = try await fetch()
    }
    return value
}
