import Foundation

/// One key of etcd's key space as its v3 JSON API returns it (base64 key and value,
/// 64-bit numbers as JSON strings, default values omitted; cluster/NOTES.md §2.1).
public struct EtcdKeyValue: Sendable, Equatable {
    public var key: String
    public var value: [UInt8]
    /// The revision that created the key: the ownership epoch of an agent key.
    public var createRevision: Int64
    public var modRevision: Int64
    /// The lease the key is attached to (0: none).
    public var lease: Int64

    public init(key: String, value: [UInt8], createRevision: Int64, modRevision: Int64, lease: Int64) {
        self.key = key
        self.value = value
        self.createRevision = createRevision
        self.modRevision = modRevision
        self.lease = lease
    }

    /// Reads one element of a `kvs` array; nil when it is not one.
    public init?(json: JSONValue) {
        guard let key = json["key"]?.stringValue.flatMap(EtcdJSON.decode) else { return nil }
        self.key = String(decoding: key, as: UTF8.self)
        self.value = json["value"]?.stringValue.flatMap(EtcdJSON.decode) ?? []
        self.createRevision = EtcdJSON.int64(json["create_revision"])
        self.modRevision = EtcdJSON.int64(json["mod_revision"])
        self.lease = EtcdJSON.int64(json["lease"])
    }
}
