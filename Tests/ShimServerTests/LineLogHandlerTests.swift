import Foundation
import Logging
import ShimCore
import Testing

@testable import ShimServer

@Suite struct LineLogHandlerTests {
    /// The JSON line is written by hand for speed; it must still parse and keep every value exact.
    @Test func jsonLineParsesBackWithEscapesAndSortedKeys() throws {
        let line = LineLogHandler.json(
            timestamp: "2026-11-25T06:00:00.000Z", level: .warning, message: "say \"hi\"\n\tnow",
            metadata: [
                "z.last": "ü ✓", "agent.id": "1001", "http.status": .stringConvertible(502),
                "list": .array(["a", "b\\c"]), "ctl": .string("\u{1}"),
            ])
        let parsed = try JSONParser.parse(line)
        guard case .object(let members) = parsed else {
            Issue.record("not an object: \(line)")
            return
        }
        #expect(members.map(\.key) == ["ts", "level", "msg", "agent.id", "ctl", "http.status", "list", "z.last"])
        #expect(parsed["msg"] == .string("say \"hi\"\n\tnow"))
        #expect(parsed["z.last"] == .string("ü ✓"))
        #expect(parsed["http.status"] == .string("502"))
        #expect(parsed["list"] == .array([.string("a"), .string("b\\c")]))
        #expect(parsed["ctl"] == .string("\u{1}"))
        #expect(!line.contains("\n"))
    }

    /// The hand-written timestamp must agree with Foundation's RFC 3339 formatter.
    @Test(arguments: [0, 951_782_400, 1_795_000_000, 4_102_444_799, 1_234_567_890])
    func timestampMatchesFoundation(seconds: Int) {
        for milliseconds in [0, 7, 42, 999] {
            let date = Date(timeIntervalSince1970: Double(seconds) + Double(milliseconds) / 1000 + 0.0002)
            #expect(LogTimestamp.format(seconds: seconds, milliseconds: milliseconds) == Date.rfc3339(date))
        }
    }

    @Test func timestampNowIsCurrent() throws {
        let now = LogTimestamp.now()
        #expect(now.utf8.count == 24)
        let parsed = try Date.ISO8601FormatStyle(includingFractionalSeconds: true).parse(now)
        #expect(abs(parsed.timeIntervalSinceNow) < 60)
    }

    /// The event's metadata wins over the provider's, which wins over the logger's; one field per key, sorted.
    @Test func fieldsKeepOneValuePerKeyWithEventPrecedence() {
        let fields = LineLogHandler.fields(
            handler: ["request.id": "r-1", "agent.id": "1001", "b": "handler"],
            provided: ["b": "provided", "c": "provided"],
            explicit: ["agent.id": "1002", "c": "event", "a": "event"])
        #expect(fields.map(\.key) == ["a", "agent.id", "b", "c", "request.id"])
        #expect(fields.map { "\($0.value)" } == ["event", "1002", "provided", "event", "r-1"])
    }
}
