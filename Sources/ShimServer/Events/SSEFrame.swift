import NIOCore
import ShimCore

/// Server-Sent Events framing (WHATWG HTML, "Server-sent events"; EVENTS.md §3): an event
/// is `id:`, `event:` and one `data:` line (the event's JSON has no raw newline), then a
/// blank line; a line starting with `:` is a comment (the keep-alive).
enum SSEFrame {
    static func append(_ event: AgentEvent, cursor: EventCursor, to buffer: inout ByteBuffer) {
        buffer.writeString("id: ")
        buffer.writeString(cursor.description)
        buffer.writeString("\nevent: ")
        buffer.writeString(event.type)
        buffer.writeString("\ndata: ")
        buffer.writeString(event.json)
        buffer.writeString("\n\n")
    }

    /// The keep-alive: an empty comment.
    static func appendKeepAlive(to buffer: inout ByteBuffer) { buffer.writeString(":\n\n") }
    /// The first bytes of a stream: how long a client waits before reconnecting, and a comment.
    static let opening = ByteBuffer(string: "retry: 2000\n: ccgw-shim event stream\n\n")
}
