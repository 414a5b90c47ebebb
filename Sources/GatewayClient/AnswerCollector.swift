import AsyncHTTPClient
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1

/// Collects one gateway answer for async-http-client's callback API: the status,
/// the headers the shim uses, and the body up to a cap.
///
/// The shim uses this rather than the `async` API because a poll sits at the gateway
/// for ~10 s and there is one per agent: a task suspended inside the async API's
/// call chain keeps several kilobytes of frames alive for the whole hold, while a
/// task waiting on this collector's future keeps almost nothing (docs/BENCHMARKS.md).
final class AnswerCollector: HTTPClientResponseDelegate {
    typealias Response = Head

    /// The answer's head and body, once complete.
    struct Head: Sendable {
        var status: Int
        var headers: HTTPHeaders
        var body: ByteBuffer
    }

    /// The body grew beyond `maxBodyBytes`.
    struct TooLarge: Error {}

    private struct State {
        var head: HTTPResponseHead?
        var body = ByteBuffer()
        var expired = false
    }

    private let maxBodyBytes: Int
    private let state = NIOLockedValueBox(State())

    init(maxBodyBytes: Int) {
        self.maxBodyBytes = maxBodyBytes
    }

    /// Whether the head arrived: a failure after it means the call reached the
    /// gateway and only its answer was lost.
    var receivedHead: Bool { state.withLockedValue { $0.head != nil } }

    /// Set by `LongCallWatch` just before it cancels the call: the cancellation is a timeout.
    var expired: Bool {
        get { state.withLockedValue { $0.expired } }
        set { state.withLockedValue { $0.expired = newValue } }
    }

    func didReceiveHead(task: HTTPClient.Task<Head>, _ head: HTTPResponseHead) -> EventLoopFuture<Void> {
        state.withLockedValue { $0.head = head }
        return task.eventLoop.makeSucceededVoidFuture()
    }

    func didReceiveBodyPart(task: HTTPClient.Task<Head>, _ buffer: ByteBuffer) -> EventLoopFuture<Void> {
        let fits = state.withLockedValue { state -> Bool in
            guard state.body.readableBytes + buffer.readableBytes <= maxBodyBytes else { return false }
            var buffer = buffer
            state.body.writeBuffer(&buffer)
            return true
        }
        return fits ? task.eventLoop.makeSucceededVoidFuture() : task.eventLoop.makeFailedFuture(TooLarge())
    }

    func didFinishRequest(task: HTTPClient.Task<Head>) throws -> Head {
        try state.withLockedValue { state in
            guard let head = state.head else { throw HTTPClientError.remoteConnectionClosed }
            return Head(status: Int(head.status.code), headers: head.headers, body: state.body)
        }
    }
}
