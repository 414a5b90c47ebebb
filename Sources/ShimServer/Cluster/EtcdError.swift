/// Why an etcd call failed. Messages name the endpoint and etcd's own message, never
/// a key's value.
struct EtcdError: Error, Sendable, Equatable, CustomStringConvertible {
    enum Kind: Sendable, Equatable {
        /// No endpoint answered (refused, timed out, TLS), or every one said "unavailable".
        case unreachable
        /// etcd answered with an error (gRPC code and message).
        case refused(code: Int64)
        /// The answer was not etcd's JSON.
        case badAnswer
    }

    let kind: Kind
    let message: String

    var description: String { message }
}
