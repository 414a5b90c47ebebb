/// The `# HELP` text of every metric family the shim exports (docs/logs-and-metrics.md), added to
/// each scrape before the family's `# TYPE` line: the metrics go through swift-metrics,
/// whose factory registers them without help text. A family missing here is still exported,
/// without HELP; the tests run `promtool check metrics` on a live scrape to keep this whole.
enum MetricHelp {
    static let texts: [String: String] = [
        "ccgw_http_requests_total": "Inbound API requests by route pattern and final status.",
        "ccgw_http_request_duration_seconds": "Time to answer an inbound API request, by route pattern.",
        "ccgw_gateway_calls_total": "Calls to the CC-Gateway by method and result (retcode, http_<status>, or the transport failure).",
        "ccgw_gateway_call_duration_seconds": "Duration of calls to the CC-Gateway, by method.",
        "ccgw_agents_configured": "Agents in the config.",
        "ccgw_agents_signed_in": "Agents with a gateway session held by this process.",
        "ccgw_agents_signed_out_unexpectedly":
            "Agents the shim is meant to hold (signInAtStartup, keepSignedIn) that have no session.",
        "ccgw_agents_skills_out_of_sync": "Signed-in agents whose session does not have their desired skills.",
        "ccgw_guid_age_max_seconds": "Age of the oldest current GUID across agents.",
        "ccgw_guid_rotations_total": "GUID changes taken from the gateway's answers or updateGuid.",
        "ccgw_sign_ins_total": "Sign-ins by result: success, failure, conflict (100-002 without forceLogin), taken_back.",
        "ccgw_sessions_resumed_total": "Sessions saved before a restart by what became of them: resumed, gone, taken_back.",
        "ccgw_session_losses_total": "Sessions the gateway ended, by reason.",
        "ccgw_replays_total": "resetskill calls replayed after re-authentication, by reason.",
        "ccgw_skill_resets_total": "resetskill calls by origin (caller, reapply) and result.",
        "ccgw_skill_reapplies_total": "Re-applies of agents' desired skills by result: applied, refused, retried.",
        "ccgw_state_writes_total": "Writes of the state file by result: ok, error.",
        "ccgw_state_write_duration_seconds": "Duration of writes of the state file.",
        "ccgw_events_received_total":
            "Agent events published, by type (the gateway's eventType or the shim's own ccgw.* name; other past 256 types).",
        "ccgw_events_delivered_total": "Events handed to stream subscribers, by how: sse, long_poll.",
        "ccgw_events_kept": "Events kept in memory for subscribers that resume (events.retain).",
        "ccgw_event_subscribers": "Open event streams and waiting long-polls.",
        "ccgw_event_subscribers_cut_off_total": "Stream subscribers cut off for falling more than events.subscriberQueue events behind.",
        "ccgw_webhook_delivered_total": "Events a webhook receiver accepted (2xx), by webhook.",
        "ccgw_webhook_retries_total": "Failed webhook deliveries that will be tried again, by webhook.",
        "ccgw_webhook_dropped_total": "Events a webhook never delivered, by webhook and reason: queue_full, max_age.",
        "ccgw_webhook_queue_depth": "Events waiting for a webhook receiver, by webhook.",
        "ccgw_cluster_owned_agents": "Cluster mode: agents this member owns.",
        "ccgw_cluster_members": "Cluster mode: live members as of the last read of etcd.",
        "ccgw_cluster_etcd_reachable": "Cluster mode: 1 while etcd answers, else 0.",
        "ccgw_cluster_claims_total": "Cluster mode: claims of agents by result: won, lost, error.",
        "ccgw_cluster_hand_overs_total": "Cluster mode: agents handed over by reason: released, lost.",
        "ccgw_cluster_forwarded_total": "Cluster mode: requests forwarded to the owner by result.",
        "ccgw_cluster_forward_duration_seconds": "Cluster mode: duration of forwarded requests.",
        "ccgw_cluster_etcd_errors_total": "Cluster mode: failed etcd calls by call.",
    ]

    /// `scrape` (Prometheus text) with a `# HELP` line before each known family's `# TYPE` line.
    static func annotate(_ scrape: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(scrape.count + 4096)
        let typePrefix = Array("# TYPE ".utf8)
        var start = 0
        while start < scrape.count {
            let end = scrape[start...].firstIndex(of: UInt8(ascii: "\n")) ?? scrape.count
            let line = scrape[start..<end]
            if line.starts(with: typePrefix) {
                let rest = line.dropFirst(typePrefix.count)
                let name = String(decoding: rest.prefix { $0 != UInt8(ascii: " ") }, as: UTF8.self)
                if let text = texts[name] { out.append(contentsOf: Array("# HELP \(name) \(text)\n".utf8)) }
            }
            out.append(contentsOf: line)
            if end < scrape.count { out.append(UInt8(ascii: "\n")) }
            start = end + 1
        }
        return out
    }
}
