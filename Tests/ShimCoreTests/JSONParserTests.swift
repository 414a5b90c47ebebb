import Testing

@testable import ShimCore

@Suite struct JSONParserTests {
    @Test(arguments: [
        ("{}", JSONValue.object([])),
        ("[]", .array([])),
        ("3", .integer(3)),
        ("-0", .integer(0)),
        ("3.0", .number("3.0")),
        ("1e2", .number("1e2")),
        ("9223372036854775808", .number("9223372036854775808")),
        ("\"a\\u00e9\\n\"", .string("aé\n")),
        ("\"\\ud83d\\ude00\"", .string("😀")),
        (" {\"a\" : [true, false, null]} ", .object([("a", .array([.bool(true), .bool(false), .null]))])),
    ])
    func parsesValidDocuments(text: String, expected: JSONValue) throws {
        #expect(try JSONParser.parse(text) == expected)
    }

    @Test(arguments: ["", "{", "[1,]", "{\"a\":1,}", "01", "1.", "tru", "\"\\ud800\"", "{\"a\" 1}", "[1] x", "\"\u{01}\"", "'a'", "NaN"])
    func rejectsInvalidDocuments(text: String) {
        #expect(throws: JSONParser.Error.self) { try JSONParser.parse(text) }
    }

    @Test func limitsNesting() {
        let deep = String(repeating: "[", count: 100) + String(repeating: "]", count: 100)
        #expect(throws: JSONParser.Error.self) { try JSONParser.parse(deep) }
        #expect(throws: Never.self) { try JSONParser.parse(deep, maxDepth: 100) }
    }

    @Test func serializationRoundTrips() throws {
        let text = #"{"b":1,"a":[true,null,"x\"y\u0001"],"n":1.50}"#
        let value = try JSONParser.parse(text)
        #expect(value.serialized == #"{"b":1,"a":[true,null,"x\"y\u0001"],"n":1.50}"#)
        #expect(try JSONParser.parse(value.serialized) == value)
    }
}
