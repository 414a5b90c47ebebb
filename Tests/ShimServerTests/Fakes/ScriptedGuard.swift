import NIOConcurrencyHelpers
import ShimCore

@testable import ShimServer

/// A sign-in guard whose answers a test scripts (what a cluster member's etcd would
/// say), and which records what the sessions told it.
final class ScriptedGuard: SignInGuard {
    private struct State {
        var permits: [Result<SignInPermit, SessionFailure>] = []
        var told: [String] = []
    }

    private let state = NIOLockedValueBox(State())

    /// Queues the guard's next answers; when they are used up it permits with no evidence.
    func script(_ permits: [Result<SignInPermit, SessionFailure>]) {
        state.withLockedValue { $0.permits.append(contentsOf: permits) }
    }

    /// What the sessions asked and told, in order (`permit 1001`, `ended 1001`, …).
    var told: [String] { state.withLockedValue { $0.told } }

    private func note(_ text: String) { state.withLockedValue { $0.told.append(text) } }

    nonisolated(nonsending) func permitSignIn(_ agent: AgentID) async throws(SessionFailure) -> SignInPermit {
        note("permit \(agent)")
        let next = state.withLockedValue { $0.permits.isEmpty ? nil : $0.permits.removeFirst() }
        return try (next ?? .success(SignInPermit())).get()
    }

    nonisolated(nonsending) func signInFailed(_ agent: AgentID, existed: Bool) async { note("failed \(agent) existed=\(existed)") }
    nonisolated(nonsending) func sessionEnded(_ agent: AgentID) async { note("ended \(agent)") }
    nonisolated(nonsending) func signedOut(_ agent: AgentID) async { note("signedOut \(agent)") }
    nonisolated(nonsending) func desiredChanged(_ agent: AgentID, _ desired: DesiredSkills, changed: Bool) async {
        note("desired \(agent) changed=\(changed)")
    }
}
