import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import Synchronization

/// A Server-Sent Events client for tests: reads a live stream over a real socket and
/// parses it by the WHATWG rules (fields, comments, blank-line ends an event), apart
/// from the shim's own framing code.
final class SSEReader: Sendable {
    struct Message: Sendable, Equatable {
        let id: String
        let event: String
        let data: String

        /// `data` as a JSON object.
        var object: [String: Any] { (try? JSONSerialization.jsonObject(with: Data(data.utf8))) as? [String: Any] ?? [:] }
        var type: String { object["type"] as? String ?? "" }
        var eventID: String { object["id"] as? String ?? "" }
    }

    private struct State {
        var messages: [Message] = []
        var comments = 0
        var ended = false
    }

    let status: Int
    let contentType: String?
    private let state = Mutex(State())
    private let reading = Mutex<Task<Void, Never>?>(nil)

    private init(status: Int, contentType: String?) {
        self.status = status
        self.contentType = contentType
    }

    static func open(_ client: HTTPClient, _ url: String, headers: [(String, String)] = []) async throws -> SSEReader {
        var request = HTTPClientRequest(url: url)
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        let response = try await client.execute(request, timeout: .seconds(600))
        let reader = SSEReader(status: Int(response.status.code), contentType: response.headers.first(name: "content-type"))
        let task = Task {
            var pending = ""
            do {
                for try await chunk in response.body {
                    pending += String(buffer: chunk)
                    while let end = pending.range(of: "\n\n") {
                        let block = String(pending[..<end.lowerBound])
                        pending.removeSubrange(..<end.upperBound)
                        reader.parse(block)
                    }
                }
            } catch {}
            reader.state.withLock { $0.ended = true }
        }
        reader.reading.withLock { $0 = task }
        return reader
    }

    private func parse(_ block: String) {
        var id: String?
        var event = "message"
        var data: [String] = []
        var comment = false
        for line in block.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix(":") {
                comment = true
            } else if line.hasPrefix("id: ") {
                id = String(line.dropFirst(4))
            } else if line.hasPrefix("event: ") {
                event = String(line.dropFirst(7))
            } else if line.hasPrefix("data: ") {
                data.append(String(line.dropFirst(6)))
            }
        }
        state.withLock { state in
            if !data.isEmpty {
                state.messages.append(Message(id: id ?? "", event: event, data: data.joined(separator: "\n")))
            } else if comment {
                state.comments += 1
            }
        }
    }

    var messages: [Message] { state.withLock { $0.messages } }
    var comments: Int { state.withLock { $0.comments } }
    var ended: Bool { state.withLock { $0.ended } }

    /// Waits until at least `count` events arrived; returns them all.
    @discardableResult
    func waitFor(_ count: Int, within: Duration = .seconds(20)) async throws -> [Message] {
        let deadline = ContinuousClock.now + within
        while ContinuousClock.now < deadline {
            let now = messages
            if now.count >= count { return now }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw SSETimeout(wanted: count, got: messages.map(\.event))
    }

    /// Waits until an event matches.
    @discardableResult
    func waitFor(within: Duration = .seconds(20), _ predicate: (Message) -> Bool) async throws -> Message {
        let deadline = ContinuousClock.now + within
        while ContinuousClock.now < deadline {
            if let found = messages.first(where: predicate) { return found }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw SSETimeout(wanted: -1, got: messages.map(\.event))
    }

    /// Waits until the server ended the stream.
    func waitForEnd(within: Duration = .seconds(20)) async throws {
        let deadline = ContinuousClock.now + within
        while ContinuousClock.now < deadline {
            if ended { return }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw SSETimeout(wanted: 0, got: messages.map(\.event))
    }

    func close() { reading.withLock { $0?.cancel() } }

    struct SSETimeout: Error, CustomStringConvertible {
        let wanted: Int
        let got: [String]
        var description: String { "SSE: wanted \(wanted) events, got \(got)" }
    }
}
