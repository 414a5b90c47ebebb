import Logging
import ShimCore

extension AgentSession {
    /// The current credentials, signing in first (single-flight) if there are none.
    /// Throws `SessionFailure`.
    func credentials() async throws -> Credentials {
        if let current = machine.current { return current }
        guard !machine.closed else { throw SessionFailure(.closed, "the shim is shutting down") }
        return try await signInFlight.run { try await SignInProcedure().run(self) }
    }

    /// Makes sure the agent is signed in (start-up, a cluster claim).
    func ensureSignedIn() async throws {
        _ = try await credentials()
    }

    /// The record saved for a sign-in sent at `at` (nil GUID: its answer was lost).
    func record(guid: String?, at: Int64) -> SavedSession {
        SavedSession(guid: guid, cookies: cookies.cookieHeader, signIn: SessionClock.newSignInID(), phone: agent.phone, contactAt: at)
    }

    /// Gets a fresh GUID after the gateway refused one (000-003), single-flight (`GUIDRefresh`).
    func refreshGUID(after stale: Credentials) async throws -> Credentials {
        if let current = machine.current, current != stale { return current }  // someone already refreshed it
        return try await refreshFlight.run { try await GUIDRefresh(stale: stale).run(self) }
    }
}
