/// One agent's gateway session as the shim saves it, to resume it after a restart
/// instead of signing in again (issue #10). Holds a live GUID and cookies: the file
/// it lives in is readable by the shim's user only, and none of it is ever logged.
public struct SavedSession: Sendable, Equatable {
    /// The GUID to resume with; nil when a sign-in was sent but its answer (and GUID)
    /// was lost: the gateway may hold a session of ours that we cannot resume.
    public var guid: String?
    /// The agent's cookies, as its `Cookie` header value.
    public var cookies: String?
    /// Which sign-in the session belongs to (random per sign-in).
    public var signIn: String
    /// The phone the session was signed in with (a changed phone means a new session).
    public var phone: String
    /// The gateway's last sign of life for this session, in milliseconds since 1970:
    /// its last successful poll or sign-in answer, or when a sign-in whose answer was
    /// lost was sent.
    public var contactAt: Int64
    /// The last reset that succeeded in this session: a resumed session still has it at
    /// the gateway, so it is not re-applied (`SkillSync`).
    public var applied: AppliedSkills?

    public init(guid: String?, cookies: String?, signIn: String, phone: String, contactAt: Int64, applied: AppliedSkills? = nil) {
        self.guid = guid
        self.cookies = cookies
        self.signIn = signIn
        self.phone = phone
        self.contactAt = contactAt
        self.applied = applied
    }

    /// Whether the gateway may still hold this session at `now`: it signs out an agent
    /// left unpolled for `unpolledSignOut` (PROTOCOL.md §2.1, §4.3).
    public func mayBeAlive(now: Int64, unpolledSignOut: Duration) -> Bool {
        now - contactAt < unpolledSignOut.milliseconds
    }

    /// Why a sign-in that meets 100-002 may take this session back, if the record
    /// proves it is ours: we held it (or sent its sign-in) less than `unpolledSignOut`
    /// ago, so the gateway has not signed it out, and the record is removed as soon as
    /// the gateway says the session ended (100-006 to its GUID).
    public func takeoverReason(now: Int64, unpolledSignOut: Duration) -> TakeoverReason? {
        guard mayBeAlive(now: now, unpolledSignOut: unpolledSignOut) else { return nil }
        return guid == nil ? .lostAnswer : .savedSession
    }
}

extension Duration {
    /// Whole milliseconds (saturating at the bounds of `Int64`).
    public var milliseconds: Int64 {
        let (seconds, attoseconds) = components
        let (product, overflow) = seconds.multipliedReportingOverflow(by: 1000)
        guard !overflow else { return seconds < 0 ? .min : .max }
        return product.addingReportingOverflow(attoseconds / 1_000_000_000_000_000).partialValue
    }
}
