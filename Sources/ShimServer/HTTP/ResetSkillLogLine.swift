import HTTPTypes
import Logging
import NIOCore
import ShimCore

/// The one structured log line written for every resetskill call, under the
/// gateway's own method name `resetSkill` (PROTOCOL.md §1.3).
struct ResetSkillLogLine {
    let route: String
    /// `reset.origin`: a caller's reset, or the shim re-applying the desired skills.
    let origin: ResetOrigin
    /// A re-apply: how the session it was made for began (`session.origin`).
    var sessionOrigin: SessionOrigin?
    let started = ContinuousClock.now
    var agent: AgentID?
    var request: ResetSkillRequest?
    var retcode: Retcode?
    var attempts = 0
    var errorCode: String?
    /// The authenticated caller's name (`clients[].name`), when authentication is on.
    var client: String?
    /// Cluster mode: the member the request was forwarded to, or that forwarded it here.
    var forwardedTo: String?
    var forwardedFrom: String?

    init(route: String, origin: ResetOrigin = .caller) {
        self.route = route
        self.origin = origin
    }

    /// A caller's reset: the client's name and, for a forwarded request, the member that sent it.
    init(route: String, identity: Identity) {
        self.init(route: route)
        client = identity.clientName
        forwardedFrom = identity.peerMember
    }

    /// Writes the line of a reset the owner answered (forwarded once).
    mutating func emit(_ answer: ForwardedAnswer, to logger: Logger) {
        forwardedTo = answer.member
        retcode = answer.retcode
        errorCode = answer.errorCode
        emit(to: logger, status: answer.status)
    }

    /// Writes the line of a reset that got a final answer; the error it maps to, if any
    /// (`APIError+mapping.swift`, so a re-apply's line says what a caller's would).
    @discardableResult
    mutating func emit(_ outcome: ResetSkillOutcome, to logger: Logger) -> APIError? {
        retcode = outcome.answer.retcode
        attempts = outcome.attempts
        let error = APIError(outcome)
        errorCode = error?.code
        emit(to: logger, status: Int(error?.status.code ?? 200))
        return error
    }

    /// Writes the line of a reset that failed without a final answer; the error it maps to.
    @discardableResult
    mutating func emit(failure: any Error, to logger: Logger) -> APIError {
        let error = APIError(failure)
        errorCode = error.code
        if retcode == nil { retcode = error.retcode }
        emit(to: logger, status: Int(error.status.code))
        return error
    }

    func emit(to logger: Logger, status: Int) {
        let elapsed = ContinuousClock.now - started
        var metadata: Logger.Metadata = [
            "method": "resetSkill",
            "route": .string(route),
            "reset.origin": .string(origin.rawValue),
            "agent.id": .string(agent?.rawValue ?? "-"),
            "skills": .string(request?.selection.logDescription ?? "-"),
            "phone.linkage": .string(request?.phoneLinkage.map { $0 ? "1" : "0" } ?? "-"),
            "gateway.retcode": .string(retcode?.rawValue ?? "-"),
            "http.status": .stringConvertible(status),
            "attempts": .stringConvertible(attempts),
            "duration.ms": .string(String(format2: Double(TimeAmount(elapsed).nanoseconds) / 1e6)),
        ]
        if let errorCode { metadata["error.code"] = .string(errorCode) }
        if let sessionOrigin { metadata["session.origin"] = .string(sessionOrigin.rawValue) }
        if let client { metadata["client"] = .string(client) }
        if let forwardedTo { metadata["forwarded.to"] = .string(forwardedTo) }
        if let forwardedFrom { metadata["forwarded.from"] = .string(forwardedFrom) }
        let level: Logger.Level = status >= 500 ? .warning : .info
        logger.log(level: level, "resetSkill", metadata: metadata)
    }
}

extension String {
    /// A number with two decimals, without Foundation's locale handling.
    init(format2 value: Double) {
        let hundredths = Int64((value * 100).rounded())
        let whole = hundredths / 100
        let fraction = abs(hundredths % 100)
        self = "\(whole).\(fraction < 10 ? "0" : "")\(fraction)"
    }
}
