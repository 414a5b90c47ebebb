import Foundation

/// The bodies of etcd's v3 JSON gateway (`/v3/...`, etcd 3.4 and later) the shim
/// sends, and how their answers read (cluster/NOTES.md §2.1): keys and values are
/// base64, 64-bit integers are JSON strings, and fields with default values (a
/// `false` "succeeded", a zero TTL) are left out.
public enum EtcdJSON {
    /// Base64 of a key or value.
    public static func encode(_ text: String) -> String { Data(text.utf8).base64EncodedString() }
    public static func encode(_ bytes: [UInt8]) -> String { Data(bytes).base64EncodedString() }

    /// The bytes of a base64 field.
    public static func decode(_ text: String) -> [UInt8]? { Data(base64Encoded: text).map(Array.init) }

    /// A 64-bit field (a JSON string, or absent for 0).
    public static func int64(_ value: JSONValue?) -> Int64 {
        switch value {
        case .string(let text)?: Int64(text) ?? 0
        case .integer(let number)?: number
        default: 0
        }
    }

    /// The end of the range holding every key that starts with `prefix`: the prefix
    /// with its last byte incremented.
    public static func rangeEnd(ofPrefix prefix: String) -> String {
        var bytes = Array(prefix.utf8)
        while let last = bytes.last {
            if last < 0xFF {
                bytes[bytes.count - 1] = last + 1
                return encode(bytes)
            }
            bytes.removeLast()
        }
        return encode([0])
    }

    // MARK: Requests

    /// `lease/grant`.
    public static func grant(ttlSeconds: Int64) -> JSONValue { .object([("TTL", .string(String(ttlSeconds)))]) }

    /// `lease/keepalive`, `lease/revoke`, `lease/timetolive`: a lease id.
    public static func lease(_ id: Int64) -> JSONValue { .object([("ID", .string(String(id)))]) }

    /// `kv/range` of the keys from `from` up to (not including) `to`.
    public static func range(from: String, to: String) -> JSONValue {
        .object([("key", .string(encode(from))), ("range_end", .string(encode(to)))])
    }

    /// `kv/range` of one key, or of every key under `prefix`.
    public static func range(key: String) -> JSONValue { .object([("key", .string(encode(key)))]) }
    public static func range(prefix: String) -> JSONValue {
        .object([("key", .string(encode(prefix))), ("range_end", .string(rangeEnd(ofPrefix: prefix)))])
    }

    /// `kv/txn`: put `key` = `value` on `lease` only if the key does not exist; on failure,
    /// read it (the current holder).
    public static func createIfAbsent(key: String, value: String, lease: Int64) -> JSONValue {
        txn(
            compare: [compareCreate(key, equals: 0)], success: [put(key, value, lease: lease)],
            failure: [rangeOperation(key)])
    }

    /// `kv/txn` that succeeds only while `key` still has creation revision `epoch` and
    /// hangs on `lease`: "do I still hold this key?" Then runs `success` (may be empty).
    public static func guarded(key: String, epoch: Int64, lease: Int64, success: [JSONValue] = []) -> JSONValue {
        let compareLease: JSONValue = .object([
            ("key", .string(encode(key))), ("target", .string("LEASE")), ("result", .string("EQUAL")), ("lease", .string(String(lease))),
        ])
        return txn(compare: [compareCreate(key, equals: epoch), compareLease], success: success, failure: [])
    }

    /// A `request_put` operation of a txn.
    public static func put(_ key: String, _ value: String, lease: Int64 = 0) -> JSONValue {
        var fields: [(key: String, value: JSONValue)] = [("key", .string(encode(key))), ("value", .string(encode(value)))]
        if lease != 0 { fields.append(("lease", .string(String(lease)))) }
        return .object([("request_put", .object(fields))])
    }

    /// A `request_range` operation of a txn (one key).
    public static func rangeOperation(_ key: String) -> JSONValue { .object([("request_range", range(key: key))]) }

    /// A `request_delete_range` operation of a txn (one key).
    public static func delete(_ key: String) -> JSONValue {
        .object([("request_delete_range", .object([("key", .string(encode(key)))]))])
    }

    static func compareCreate(_ key: String, equals revision: Int64) -> JSONValue {
        .object([
            ("key", .string(encode(key))), ("target", .string("CREATE")), ("result", .string("EQUAL")),
            ("create_revision", .string(String(revision))),
        ])
    }

    static func txn(compare: [JSONValue], success: [JSONValue], failure: [JSONValue]) -> JSONValue {
        .object([("compare", .array(compare)), ("success", .array(success)), ("failure", .array(failure))])
    }

    // MARK: Answers

    /// The revision in an answer's header.
    public static func revision(_ answer: JSONValue) -> Int64 { int64(answer["header"]?["revision"]) }

    /// Whether a txn's compares held (`succeeded` is absent when false).
    public static func succeeded(_ answer: JSONValue) -> Bool { answer["succeeded"] == .bool(true) }

    /// The keys of a `kv/range` answer, or of the first `response_range` of a txn.
    public static func keys(_ answer: JSONValue) -> [EtcdKeyValue] {
        if case .array(let kvs)? = answer["kvs"] { return kvs.compactMap(EtcdKeyValue.init(json:)) }
        guard case .array(let responses)? = answer["responses"] else { return [] }
        for response in responses {
            if case .array(let kvs)? = response["response_range"]?["kvs"] { return kvs.compactMap(EtcdKeyValue.init(json:)) }
        }
        return []
    }

    /// The keys of each `response_range` of a txn answer, in the order of its operations
    /// (an operation that is not a range gives none).
    public static func ranges(_ answer: JSONValue) -> [[EtcdKeyValue]] {
        guard case .array(let responses)? = answer["responses"] else { return [] }
        return responses.compactMap { response in
            guard let range = response["response_range"] else { return nil }
            if case .array(let kvs)? = range["kvs"] { return kvs.compactMap(EtcdKeyValue.init(json:)) }
            return []
        }
    }

    /// The TTL of a `lease/grant` or `lease/keepalive` answer; nil when the lease is
    /// gone (keepalive of an expired or unknown lease leaves `TTL` out).
    public static func ttl(_ answer: JSONValue) -> Int64? {
        let body = answer["result"] ?? answer
        let ttl = int64(body["TTL"])
        return ttl > 0 ? ttl : nil
    }

    /// The lease id of a `lease/grant` answer.
    public static func leaseID(_ answer: JSONValue) -> Int64 { int64(answer["ID"]) }

    /// etcd's error answer (`{"error", "message", "code"}`): its gRPC code and message.
    public static func error(_ answer: JSONValue) -> (code: Int64, message: String)? {
        guard let message = answer["message"]?.stringValue ?? answer["error"]?.stringValue else { return nil }
        return (int64(answer["code"]), message)
    }
}
