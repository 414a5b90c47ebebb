/// The gateway's JSON answer: `{"message": string, "retcode": string, "result"?: any, "event"?: object}`
/// (PROTOCOL.md §1.3). Business outcomes arrive as HTTP 200 with a non-"0" retcode.
public struct GatewayEnvelope: Sendable, Equatable {
    public var retcode: Retcode
    public var message: String
    /// Object, array, `""` (seen on 000-003, PROTOCOL.md §1.3) or absent.
    public var result: JSONValue?
    /// Present on event-poll answers that carry an event (§4.1).
    public var event: JSONValue?

    public init(retcode: Retcode, message: String, result: JSONValue? = nil, event: JSONValue? = nil) {
        self.retcode = retcode
        self.message = message
        self.result = result
        self.event = event
    }

    /// Why a body is not the gateway's envelope.
    public struct DecodingError: Error, Equatable, CustomStringConvertible {
        public let reason: String
        public var description: String { reason }
    }

    /// Parses a body. `retcode` must be a JSON string; `message` may be missing
    /// (the dev guide shows `msg`), so it defaults to "".
    public static func decode(_ body: some Collection<UInt8>) throws(DecodingError) -> GatewayEnvelope {
        let value: JSONValue
        do {
            value = try JSONParser.parse(body)
        } catch {
            throw DecodingError(reason: "the body is not JSON (\(error.reason))")
        }
        guard case .object = value else { throw DecodingError(reason: "the body is a JSON \(value.typeName), not an object") }
        guard let retcodeValue = value["retcode"] else { throw DecodingError(reason: "the body has no retcode") }
        guard case .string(let retcode) = retcodeValue else {
            throw DecodingError(reason: "retcode is a \(retcodeValue.typeName), not a string")
        }
        return GatewayEnvelope(
            retcode: Retcode(retcode),
            message: value["message"]?.stringValue ?? value["msg"]?.stringValue ?? "",
            result: value["result"],
            event: value["event"]
        )
    }

    /// `result.guid` of an updateGuid answer (PROTOCOL.md §3.3), if present.
    public var updatedGUID: String? {
        guard let guid = result?["guid"]?.stringValue, !guid.isEmpty else { return nil }
        return guid
    }
}
