import ShimCore
import Testing

struct EventCursorTests {
    @Test(arguments: [
        ("k3f9q2ab-4711", true), ("a-0", true), ("k3f9q2ab-4711.x9-3", true), ("k3f9q2ab-4-9", true), ("k3f9q2ab-4-4", false),
        ("K3F9-1", false), ("", false), ("-1", false), ("abc-", false), ("abc-1.abc-2", false), ("abc-1..def-2", false),
        ("abc-x", false), ("abcdefghijklmnopq-1", false), ("abc-99999999999999999999", false), ("abc-1-2-3", false),
    ])
    func readsOnlyWhatItWrites(text: String, valid: Bool) {
        let cursor = EventCursor(text)
        #expect((cursor != nil) == valid)
        if let cursor { #expect(cursor.description == text) }
    }

    @Test func aCursorLongerThanTheLimitIsRefused() {
        let long = (0..<60).map { "origin\($0)-12345" }.joined(separator: ".")
        #expect(long.utf8.count > EventCursor.maxLength)
        #expect(EventCursor(long) == nil)
    }

    @Test func advancingPutsTheEventsMarkFirstSoTheCursorStartsWithItsID() throws {
        var cursor = try #require(EventCursor("aaa-5.bbb-7"))
        cursor.advance(to: EventID(origin: "bbb", sequence: 9))
        #expect(cursor.description == "bbb-9.aaa-5")
        cursor.advance(to: EventID(origin: "ccc", sequence: 1))
        #expect(cursor.description == "ccc-1.bbb-9.aaa-5")
    }

    @Test func aReportedGapStaysInTheCursorUntilTheStreamPassesIt() throws {
        var cursor = try #require(EventCursor("aaa-5"))
        cursor.reported(origin: "aaa", through: 20)
        #expect(cursor.description == "aaa-5-20")
        #expect(cursor.mark(for: "aaa")?.lossesUnreportedAfter == 20)
        cursor.advance(to: EventID(origin: "aaa", sequence: 12))
        #expect(cursor.description == "aaa-12-20")
        cursor.advance(to: EventID(origin: "aaa", sequence: 21))
        #expect(cursor.description == "aaa-21")
        // An origin the cursor never had: reported from its start.
        cursor.reported(origin: "new", through: 3)
        #expect(cursor.description == "aaa-21.new-0-3")
        cursor.retain(origins: ["new"])
        #expect(cursor.description == "new-0-3")
    }

    @Test func eventIDs() {
        #expect(EventID("k3f9q2ab-4711") == EventID(origin: "k3f9q2ab", sequence: 4711))
        #expect(EventID("k3f9q2ab") == nil)
        var random = SystemRandomNumberGenerator()
        let origin = EventID.makeOrigin(using: &random)
        #expect(origin.count == 8 && EventID.isOrigin(origin))
    }
}
