import CoreMetrics
import NIOConcurrencyHelpers
import NIOCore
import ShimCore

/// Every metric the shim exports, created on one `MetricsFactory` (the process's
/// Prometheus registry, or a private one in tests: nothing here touches the global
/// `MetricsSystem`). Label sets are fixed; the agent id is a label only when
/// `metrics.agentLabel` is on (cardinality).
///
/// Names (Prometheus): `ccgw_http_requests_total{route,status}`,
/// `ccgw_http_request_duration_seconds{route}`, `ccgw_gateway_calls_total{method,result}`,
/// `ccgw_gateway_call_duration_seconds{method}`, `ccgw_agents_signed_in`,
/// `ccgw_agents_configured`, `ccgw_sign_ins_total{result}`, `ccgw_guid_rotations_total`,
/// `ccgw_guid_age_max_seconds`, `ccgw_session_losses_total{reason}`, `ccgw_replays_total{reason}`,
/// `ccgw_skill_resets_total{origin,result}`, `ccgw_skill_reapplies_total{result}`, `ccgw_agents_skills_out_of_sync`.
public final class ShimMetrics: Sendable {
    let factory: any MetricsFactory
    let agentLabel: Bool
    private let cache = NIOLockedValueBox<[Key: any AnyObject & Sendable]>([:])

    /// A metric's identity in the cache: its kind, label and dimension values (the
    /// dimension names are fixed per label). Made of strings the caller already holds, so
    /// a lookup allocates nothing; the dimensions array is built only on a miss.
    /// (Formatting the key as one string cost 9 %, then 1–2 %, of the shim's CPU under load.)
    private struct Key: Hashable {
        var kind: UInt8
        var label: String
        var v0: String
        var v1: String
        var v2: String
    }

    typealias Dimension = (name: String, value: String)

    public init(factory: any MetricsFactory, agentLabel: Bool = false) {
        self.factory = factory
        self.agentLabel = agentLabel
        // Fixed label sets exist from the start (at 0), so dashboards and alerts see them before the first event.
        for result in [SignInResult.success, .failure, .conflict, .takenBack] { _ = counter("ccgw_sign_ins_total", ("result", result.rawValue)) }
        for result in [ResumeResult.resumed, .gone, .takenBack] { _ = counter("ccgw_sessions_resumed_total", ("result", result.rawValue)) }
        for result in ["ok", "error"] { _ = counter("ccgw_state_writes_total", ("result", result)) }
        for reason in [LossReason.expired, .displaced, .forcedOut, .failover] {
            _ = counter("ccgw_session_losses_total", ("reason", reason.rawValue))
        }
        for reason in [ReplayReason.guidRefresh, .signInAgain] { _ = counter("ccgw_replays_total", ("reason", reason.rawValue)) }
        _ = counter("ccgw_guid_rotations_total")
        for origin in [ResetOrigin.caller, .reapply] {
            for result in ["succeeded", "rejected", "failed"] {
                _ = counter("ccgw_skill_resets_total", ("origin", origin.rawValue), ("result", result))
            }
        }
        for result in [ReapplyResult.applied, .refused, .retried] { _ = counter("ccgw_skill_reapplies_total", ("result", result.rawValue)) }
        sessions(SessionSummary())
    }

    /// One metric object per label set, created once.
    private func cached<T: AnyObject & Sendable>(_ key: Key, make: () -> T) -> T {
        cache.withLockedValue { cache in
            if let existing = cache[key] as? T { return existing }
            let made = make()
            cache[key] = made
            return made
        }
    }

    private static func key(_ kind: UInt8, _ label: String, _ d0: Dimension?, _ d1: Dimension?, _ d2: Dimension?) -> Key {
        Key(kind: kind, label: label, v0: d0?.value ?? "", v1: d1?.value ?? "", v2: d2?.value ?? "")
    }

    private static func dimensions(_ given: Dimension?...) -> [(String, String)] {
        given.compactMap { $0.map { ($0.name, $0.value) } }
    }

    func counter(_ label: String, _ d0: Dimension? = nil, _ d1: Dimension? = nil, _ d2: Dimension? = nil) -> Counter {
        cached(Self.key(0, label, d0, d1, d2)) { Counter(label: label, dimensions: Self.dimensions(d0, d1, d2), factory: factory) }
    }

    func timer(_ label: String, _ d0: Dimension) -> CoreMetrics.Timer {
        cached(Self.key(1, label, d0, nil, nil)) { CoreMetrics.Timer(label: label, dimensions: Self.dimensions(d0), factory: factory) }
    }

    func gauge(_ label: String) -> Gauge {
        cached(Self.key(2, label, nil, nil, nil)) { Gauge(label: label, factory: factory) }
    }

    func gauge(_ label: String, _ d0: Dimension) -> Gauge {
        cached(Self.key(3, label, d0, nil, nil)) { Gauge(label: label, dimensions: Self.dimensions(d0), factory: factory) }
    }

    // MARK: Inbound

    /// One inbound request: `route` is the route pattern, never the raw path.
    func inbound(route: String, status: Int, duration: Duration) {
        counter("ccgw_http_requests_total", ("route", route), ("status", String(status))).increment()
        timer("ccgw_http_request_duration_seconds", ("route", route)).recordNanoseconds(TimeAmount(duration).nanoseconds)
    }

    // MARK: Gateway calls

    /// One gateway call by the gateway's method name and its result: the retcode
    /// (normalised to `NNN-NNN`/`0`, else `other`), `http_<status>`, or a transport failure kind.
    func gatewayCall(_ operation: GatewayOperation, result: String, duration: Duration) {
        counter("ccgw_gateway_calls_total", ("method", operation.logName), ("result", result), agentLabel ? ("agent", operation.agent.rawValue) : nil)
            .increment()
        timer("ccgw_gateway_call_duration_seconds", ("method", operation.logName)).recordNanoseconds(TimeAmount(duration).nanoseconds)
    }

    /// The `result` label of an answer.
    static func result(of answer: GatewayAnswer) -> String {
        if let retcode = answer.retcode { return normalised(retcode) }
        if answer.status != 200 { return "http_\(answer.status)" }
        return "invalid_body"
    }

    /// The `result` label of a transport failure.
    static func result(of error: GatewayCallError) -> String {
        switch error.kind {
        case .timeout: "timeout"
        case .unreachable: "unreachable"
        case .tls: "tls"
        case .connectionReset: "connection_reset"
        case .responseTooLarge: "too_large"
        }
    }

    /// Keeps the label set bounded: only `0` and `NNN-NNN` pass.
    static func normalised(_ retcode: Retcode) -> String {
        let text = retcode.rawValue
        if text == "0" { return text }
        let bytes = Array(text.utf8)
        let isCode =
            bytes.count == 7 && bytes[3] == UInt8(ascii: "-")
            && bytes.enumerated().allSatisfy { $0.offset == 3 || ($0.element >= 0x30 && $0.element <= 0x39) }
        return isCode ? text : "other"
    }

    // MARK: Sessions

    /// `takenBack`: a forcelogin of the shim's own session (`TakeoverReason.isOwnSession`).
    enum SignInResult: String { case success, failure, conflict, takenBack = "taken_back" }
    /// What became of a session saved before a restart.
    typealias ResumeResult = SessionMachine.ResumeResult
    /// Why a session ended (docs/logs-and-metrics.md maps them to retcodes).
    enum LossReason: String { case expired, displaced, forcedOut = "forced_out", failover }
    enum ReplayReason: String { case guidRefresh = "guid_refresh", signInAgain = "sign_in_again" }

    func signIn(_ result: SignInResult) { counter("ccgw_sign_ins_total", ("result", result.rawValue)).increment() }
    func resumed(_ result: ResumeResult) { counter("ccgw_sessions_resumed_total", ("result", result.rawValue)).increment() }
    func stateWrite(ok: Bool, duration: Duration) {
        counter("ccgw_state_writes_total", ("result", ok ? "ok" : "error")).increment()
        timer("ccgw_state_write_duration_seconds", ("result", ok ? "ok" : "error")).recordNanoseconds(TimeAmount(duration).nanoseconds)
    }
    func rotation() { counter("ccgw_guid_rotations_total").increment() }
    func sessionLost(_ reason: LossReason) { counter("ccgw_session_losses_total", ("reason", reason.rawValue)).increment() }
    func replay(_ reason: ReplayReason) { counter("ccgw_replays_total", ("reason", reason.rawValue)).increment() }

    /// What became of one re-apply of an agent's desired skills.
    enum ReapplyResult: String { case applied, refused, retried }

    /// One resetskill's final result (`succeeded`, `rejected`: 000-002 and kin, `failed`:
    /// anything else), by who asked for it (`caller`, `reapply`).
    func skillReset(origin: ResetOrigin, verdict: ResetSkillVerdict) {
        let result =
            switch verdict {
            case .succeeded: "succeeded"
            case .rejected: "rejected"
            case .sessionLost, .failed: "failed"
            }
        counter("ccgw_skill_resets_total", ("origin", origin.rawValue), ("result", result)).increment()
    }

    func reapply(_ result: ReapplyResult) { counter("ccgw_skill_reapplies_total", ("result", result.rawValue)).increment() }

    /// The loss reason for a retcode that ended a session.
    static func lossReason(for retcode: Retcode?) -> LossReason {
        switch retcode {
        case .alreadySignedOut?: .forcedOut
        case .recoveryTimedOut?, .recoveryGUIDMismatch?, .recoverySwitchOff?: .failover
        case .noRight?: .expired
        default: .displaced
        }
    }

    /// Session gauges, refreshed periodically and before each scrape.
    func sessions(_ summary: SessionSummary) {
        gauge("ccgw_agents_configured").record(summary.configured)
        gauge("ccgw_agents_signed_in").record(summary.signedIn)
        gauge("ccgw_guid_age_max_seconds").record(summary.maxGUIDAge)
        // Signed-in agents whose session does not have their desired skills.
        gauge("ccgw_agents_skills_out_of_sync").record(summary.skillsOutOfSync)
        // Agents the shim is meant to hold (signInAtStartup, keepSignedIn) that have no session here.
        gauge("ccgw_agents_signed_out_unexpectedly").record(summary.signedOutUnexpectedly)
    }
}
