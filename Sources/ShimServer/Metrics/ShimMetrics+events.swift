import CoreMetrics

extension ShimMetrics {
    /// Why a webhook dropped an event.
    enum WebhookDrop: String { case queueFull = "queue_full", maxAge = "max_age" }
    /// How a subscriber got an event.
    enum StreamKind: String { case sse, longPoll = "long_poll" }

    /// The events series that exist from the start (at 0).
    func eventSeries() {
        _ = counter("ccgw_events_received_total", ("type", "ccgw.session.signedIn"))
        for via in [StreamKind.sse, .longPoll] { _ = counter("ccgw_events_delivered_total", ("via", via.rawValue)) }
        _ = counter("ccgw_event_subscribers_cut_off_total")
        gauge("ccgw_event_subscribers").record(0)
        gauge("ccgw_events_kept").record(0)
    }

    /// A webhook's series, at 0 until it delivers.
    func webhookSeries(_ webhook: String) {
        _ = counter("ccgw_webhook_delivered_total", ("webhook", webhook))
        _ = counter("ccgw_webhook_retries_total", ("webhook", webhook))
        for reason in [WebhookDrop.queueFull, .maxAge] {
            _ = counter("ccgw_webhook_dropped_total", ("webhook", webhook), ("reason", reason.rawValue))
        }
        gauge("ccgw_webhook_queue_depth", ("webhook", webhook)).record(0)
    }

    func eventReceived(type: String) { counter("ccgw_events_received_total", ("type", type)).increment() }
    func eventsDelivered(_ via: StreamKind, count: Int) { counter("ccgw_events_delivered_total", ("via", via.rawValue)).increment(by: Int64(count)) }
    func subscribersCutOff(count: Int) { counter("ccgw_event_subscribers_cut_off_total").increment(by: Int64(count)) }
    func eventSubscribers(_ count: Int) { gauge("ccgw_event_subscribers").record(count) }
    func eventsKept(_ count: Int) { gauge("ccgw_events_kept").record(count) }
    func webhookDelivered(_ webhook: String) { counter("ccgw_webhook_delivered_total", ("webhook", webhook)).increment() }
    func webhookRetried(_ webhook: String) { counter("ccgw_webhook_retries_total", ("webhook", webhook)).increment() }
    func webhookDropped(_ webhook: String, reason: WebhookDrop) {
        counter("ccgw_webhook_dropped_total", ("webhook", webhook), ("reason", reason.rawValue)).increment()
    }
    func webhookQueueDepth(_ webhook: String, _ depth: Int) { gauge("ccgw_webhook_queue_depth", ("webhook", webhook)).record(depth) }
}
