import ShimCore

@testable import ShimServer

extension AgentSession {
    /// Installs a GUID as a new sign-in, without a gateway call (tests of the generation rules).
    func installForTest(guid: String) async {
        let (credentials, actions) = machine.signedIn(record(guid: guid, at: SessionClock.nowMilliseconds()), takeover: nil)
        began(credentials, counted: true)
        await execute(actions)
    }
}
