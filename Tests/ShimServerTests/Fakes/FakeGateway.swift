import NIOConcurrencyHelpers
import ShimCore

/// An in-memory gateway for the session rules: each operation answers from its
/// script (in order) and, when the script is used up, as a healthy gateway would.
/// Every call is journalled with the retcode it got.
final class FakeGateway: GatewayTransport {
    /// One scripted answer.
    enum Reply: Sendable {
        /// HTTP 200 with this retcode (a sign-in success carries a new GUID).
        case retcode(String)
        /// This HTTP status with a JSON envelope retcode 0 (so only the status is wrong).
        case http(Int)
        /// HTTP 200 with a body that is not JSON.
        case garbage
        /// No answer: the call failed in transport.
        case failure(GatewayCallError.Kind)
        /// Answers `0` after this long (cancellation ends the wait as a timeout).
        case slow(Duration)
        /// The gateway did the work (and journals it as `0`), but the answer was lost.
        case lostAnswer(GatewayCallError.Kind)
    }

    struct Call: Sendable {
        let operation: String
        let guid: String?
        let retcode: String
    }

    private struct State {
        var scripts: [String: [Reply]] = [:]
        var journal: [Call] = []
        var minted = 0
        /// Agents with a resetskill in flight: the gateway refuses a repeat before the answer (PROTOCOL.md §7).
        var resetting: Set<String> = []
    }

    private let state = NIOLockedValueBox(State())
    /// How long an event poll is held when nothing happens (PROTOCOL.md §4.1, shortened).
    let pollHold: Duration

    init(pollHold: Duration = .milliseconds(20)) {
        self.pollHold = pollHold
    }

    /// Queues answers for `operation` (a gateway log name such as `resetSkill`).
    func script(_ operation: String, _ replies: [Reply]) {
        state.withLockedValue { $0.scripts[operation, default: []].append(contentsOf: replies) }
    }

    /// The retcodes answered to `operation`, in order.
    func retcodes(_ operation: String) -> [String] {
        state.withLockedValue { $0.journal.filter { $0.operation == operation }.map(\.retcode) }
    }

    func calls(_ operation: String) -> [Call] {
        state.withLockedValue { $0.journal.filter { $0.operation == operation } }
    }

    /// Every call, in order.
    var journal: [Call] { state.withLockedValue { $0.journal } }

    func clearJournal() { state.withLockedValue { $0.journal.removeAll() } }

    nonisolated(nonsending) func send(
        _ operation: GatewayOperation, guid: String?, cookies: String?, body: JSONValue?, timeout: Duration
    ) async throws(GatewayCallError) -> GatewayAnswer {
        let name = operation.logName
        let scripted = state.withLockedValue { state -> Reply? in
            guard var queue = state.scripts[name], !queue.isEmpty else { return nil }
            let first = queue.removeFirst()
            state.scripts[name] = queue
            return first
        }
        if case .resetSkill(let agent, _, _) = operation {
            let overlapping = state.withLockedValue { !$0.resetting.insert(agent.rawValue).inserted }
            if overlapping {
                record(name, guid, "000-007")
                return answer(operation, retcode: "000-007", status: 200)
            }
            await Task.yield()  // a second call sent meanwhile would overlap this one
            state.withLockedValue { _ = $0.resetting.remove(agent.rawValue) }
        }
        if scripted == nil, operation.isHeldPoll {
            do { try await Task.sleep(for: pollHold) } catch { throw GatewayCallError(.timeout, "cancelled") }
        }
        switch scripted ?? .retcode("0") {
        case .retcode(let code):
            record(name, guid, code)
            return answer(operation, retcode: code, status: 200)
        case .http(let status):
            record(name, guid, "http_\(status)")
            return answer(operation, retcode: "0", status: status)
        case .garbage:
            record(name, guid, "garbage")
            return GatewayAnswer(status: 200, body: Array("<html>".utf8), contentType: "text/html", newGUID: nil, setCookies: [])
        case .failure(let kind):
            record(name, guid, "\(kind)")
            throw GatewayCallError(kind, "fake \(name) failure")
        case .slow(let pause):
            do { try await Task.sleep(for: pause) } catch { throw GatewayCallError(.timeout, "cancelled") }
            record(name, guid, "0")
            return answer(operation, retcode: "0", status: 200)
        case .lostAnswer(let kind):
            record(name, guid, "0")
            throw GatewayCallError(kind, "fake \(name) answer lost")
        }
    }

    private func record(_ operation: String, _ guid: String?, _ retcode: String) {
        state.withLockedValue { $0.journal.append(Call(operation: operation, guid: guid, retcode: retcode)) }
    }

    /// A successful sign-in or updateGuid mints a new GUID (in `Set-GUID`, or in `result.guid`).
    private func answer(_ operation: GatewayOperation, retcode: String, status: Int) -> GatewayAnswer {
        var newGUID: String?
        var result: JSONValue = .object([])
        if retcode == "0", status == 200 {
            switch operation {
            case .login, .forceLogin:
                newGUID = mint()
            case .updateGuid:
                result = .object([("guid", .string(mint()))])
            default:
                break
            }
        }
        let body = JSONValue.object([("message", .string("")), ("retcode", .string(retcode)), ("result", result)])
        return GatewayAnswer(
            status: status, body: Array(body.serialized.utf8), contentType: "application/json; charset=UTF-8", newGUID: newGUID, setCookies: [])
    }

    private func mint() -> String {
        let n = state.withLockedValue { state -> Int in
            state.minted += 1
            return state.minted
        }
        return "fake-guid-\(n).AgentGateway0"
    }
}
