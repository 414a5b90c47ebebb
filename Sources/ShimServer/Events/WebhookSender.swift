import AsyncHTTPClient
import GatewayClient
import Logging
import NIOCore
import NIOHTTP1
import NIOSSL
import ShimCore
import Synchronization

/// Delivers events to one webhook receiver (`events.webhooks[]`), signed the Standard
/// Webhooks way, at least once, each agent's events in order.
///
/// `offer` (from `EventHub.publish`) only queues: a slow or dead receiver never delays
/// the poll loop, a reset or another receiver. Lanes (`WebhookBacklog`) deliver in
/// parallel, one event at a time each. A failed attempt (non-2xx, timeout, connection
/// error) is retried with `RetrySchedule`'s backoff while the event is younger than
/// `maxAge`; then it is dropped and counted, and the next delivery says how many were
/// lost (`lost`). Events still queued at shutdown are not delivered (they are in memory).
final class WebhookSender: Sendable {
    let config: ShimConfig.Webhook
    private let signature: WebhookSignature
    private let client: HTTPClient
    private let backlog: Mutex<WebhookBacklog>
    private let wake: [AsyncStream<Void>.Continuation]
    private let signals: [AsyncStream<Void>]
    private let schedule: RetrySchedule
    private let attemptTimeout: Duration
    private let metrics: ShimMetrics
    private let logger: Logger
    private let clock: @Sendable () -> Int64

    /// Deliveries in flight at once per receiver (an agent's events always share a lane).
    static let lanes = 16

    init(
        config: ShimConfig.Webhook, secret: WebhookSignature, metrics: ShimMetrics, logger: Logger,
        schedule: RetrySchedule = RetrySchedule(), attemptTimeout: Duration = .seconds(10),
        clock: @escaping @Sendable () -> Int64 = { SessionClock.nowMilliseconds() }
    ) throws(ConfigError) {
        self.config = config
        self.signature = secret
        var tls = TLSConfiguration.makeClientConfiguration()
        if let caFile = config.caFile { tls.trustRoots = .certificates(try PEMFile.certificates(caFile, key: "\(config.keyPath).caFile")) }
        var configuration = HTTPClient.Configuration(tlsConfiguration: tls, redirectConfiguration: .disallow)
        configuration.timeout = .init(connect: .seconds(5))
        configuration.connectionPool = .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: Self.lanes)
        self.client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        self.backlog = Mutex(WebhookBacklog(capacity: config.queue, lanes: Self.lanes))
        var wake: [AsyncStream<Void>.Continuation] = []
        var signals: [AsyncStream<Void>] = []
        for _ in 0..<Self.lanes {
            let (stream, continuation) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
            signals.append(stream)
            wake.append(continuation)
        }
        self.wake = wake
        self.signals = signals
        self.schedule = schedule
        self.attemptTimeout = attemptTimeout
        self.metrics = metrics
        self.logger = logger
        self.clock = clock
        metrics.webhookSeries(config.name)
    }

    func wants(_ event: AgentEvent) -> Bool {
        guard let agent = event.agentID, config.agents.allows(agent) else { return false }
        return config.types.matches(event.type)
    }

    /// Queues an event (never waits).
    func offer(_ event: AgentEvent) {
        let (dropped, depth, lane) = backlog.withLock { backlog in
            (backlog.offer(event), backlog.count, backlog.lane(of: event.agentID))
        }
        if dropped { metrics.webhookDropped(config.name, reason: .queueFull) }
        metrics.webhookQueueDepth(config.name, depth)
        wake[lane].yield()
    }

    /// Delivers until cancelled.
    func run() async {
        await withDiscardingTaskGroup { group in
            for lane in 0..<Self.lanes {
                group.addTask { await self.runLane(lane) }
            }
        }
    }

    func shutdown() async { try? await client.shutdown() }

    private func runLane(_ lane: Int) async {
        for await _ in signals[lane] {
            while !Task.isCancelled, let event = backlog.withLock({ $0.take(lane: lane) }) {
                metrics.webhookQueueDepth(config.name, backlog.withLock { $0.count })
                await deliver(event)
            }
            if Task.isCancelled { return }
        }
    }

    /// Tries one event until it is delivered or too old.
    private func deliver(_ event: AgentEvent) async {
        let lost = backlog.withLock { $0.claimLost() }
        let body = Self.body(of: event, lost: lost)
        let maxAge = config.maxAge
        var failures = 0
        while !Task.isCancelled {
            let age = Duration.milliseconds(clock() - event.at)
            guard age < maxAge else { break }
            let outcome = await attempt(id: event.id.description, body: body)
            if case .delivered = outcome {
                metrics.webhookDelivered(config.name)
                return
            }
            failures += 1
            let pause = schedule.pause(after: failures, unit: Double.random(in: 0...1))
            if failures == 1 || failures % 10 == 0 {
                logger.warning(
                    "webhook delivery failed; retrying",
                    metadata: [
                        "webhook": "\(config.name)", "event.id": "\(event.id)", "event.type": "\(event.type)",
                        "agent.id": "\(event.agentID?.rawValue ?? "")", "attempts": "\(failures)", "error": "\(outcome.description)",
                    ])
            }
            guard RetrySchedule.mayTry(age: Duration.milliseconds(clock() - event.at), pause: pause, maxAge: maxAge) else { break }
            metrics.webhookRetried(config.name)
            do { try await Task.sleep(for: pause) } catch { return }
        }
        if Task.isCancelled { return }
        backlog.withLock { $0.abandoned(carrying: lost) }
        metrics.webhookDropped(config.name, reason: .maxAge)
        logger.warning(
            "webhook event dropped: older than maxAge",
            metadata: ["webhook": "\(config.name)", "event.id": "\(event.id)", "event.type": "\(event.type)", "attempts": "\(failures)"])
    }

    enum Outcome: CustomStringConvertible {
        case delivered
        case refused(status: Int)
        case failed(String)

        var description: String {
            switch self {
            case .delivered: "delivered"
            case .refused(let status): "HTTP \(status)"
            case .failed(let reason): reason
            }
        }
    }

    private func attempt(id: String, body: String) async -> Outcome {
        let timestamp = clock() / 1000
        var request = HTTPClientRequest(url: config.url.description)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "User-Agent", value: "ccgw-shim/\(ShimVersion.current)")
        request.headers.add(name: "webhook-id", value: id)
        request.headers.add(name: "webhook-timestamp", value: "\(timestamp)")
        request.headers.add(name: "webhook-signature", value: signature.sign(id: id, timestamp: timestamp, body: body))
        request.body = .bytes(ByteBuffer(string: body))
        do {
            let response = try await client.execute(request, timeout: .init(attemptTimeout))
            _ = try? await response.body.collect(upTo: 64 * 1024)
            return (200..<300).contains(response.status.code) ? .delivered : .refused(status: Int(response.status.code))
        } catch {
            return .failed(Self.reason(error))
        }
    }

    private static func reason(_ error: any Error) -> String {
        if let error = error as? HTTPClientError {
            if error == .deadlineExceeded || error == .readTimeout { return "timed out" }
            if error == .connectTimeout { return "connect timed out" }
            return "HTTP client error"
        }
        return "connection failed"
    }

    /// The event's object, with `lost` (events dropped before it) beside its fields when any were.
    static func body(of event: AgentEvent, lost: Int) -> String {
        guard lost > 0 else { return event.json }
        return String(event.json.dropLast()) + ",\"lost\":\(lost)}"
    }
}
