import ServiceLifecycle

/// Runs the webhook senders and sweeps expired events out of the hub's memory. It starts
/// first and stops last, after the sessions closed (so their last events are queued);
/// events still waiting for a webhook then are not delivered (docs: "Events").
struct EventService: Service {
    let hub: EventHub
    let webhooks: [WebhookSender]
    /// Cluster mode: the other members' event feeds, ended at shutdown.
    let feeds: PeerEventFeeds?
    let sweepInterval: Duration

    func run() async throws {
        await cancelWhenGracefulShutdown {
            await withDiscardingTaskGroup { group in
                for webhook in webhooks { group.addTask { await webhook.run() } }
                group.addTask {
                    while (try? await Task.sleep(for: sweepInterval)) != nil { hub.sweep() }
                }
            }
        }
        await feeds?.stop()
        for webhook in webhooks { await webhook.shutdown() }
    }
}
