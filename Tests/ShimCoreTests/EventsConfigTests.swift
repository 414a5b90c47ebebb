import ShimCore
import Testing

struct EventsConfigTests {
    static let base = """
        gateway: {url: "https://gw:8043", authMode: dynamic}
        agents:
          - {id: "1001", phone: "70001", password: "x"}

        """

    @Test func defaultsWithoutTheSection() throws {
        let config = try ConfigParser.parse(yaml: Self.base)
        #expect(config.events == ShimConfig.Events())
        #expect(config.events.retainPerAgent == 64 && config.events.retainMaxAge == .seconds(600))
        #expect(config.events.subscriberQueue == 1000 && config.events.keepAlive == .seconds(15))
        #expect(config.events.maxSubscribers == 1000)
    }

    @Test func everyKey() throws {
        let config = try ConfigParser.parse(
            yaml: Self.base + """
                events:
                  retain: {perAgent: 16, maxAge: 2m}
                  subscriberQueue: 50
                  maxSubscribers: 20
                  keepAlive: 5s
                  webhooks:
                    - name: crm
                      url: https://crm.internal:8443/ccgw/events?x=1
                      caFile: /etc/ccgw-shim/crm-ca.pem
                      agents: ["1000-1999"]
                      types: ["AgentEvent_Ringing", "ccgw.*"]
                      secretFile: /etc/ccgw-shim/crm-webhook.key
                      maxAge: 1m
                      queue: 500
                    - {name: local, url: "http://127.0.0.1:9000/hook", agents: ["*"], secretEnv: HOOK_SECRET}
                """)
        let events = config.events
        #expect(events.retainPerAgent == 16 && events.retainMaxAge == .seconds(120))
        #expect(events.subscriberQueue == 50 && events.keepAlive == .seconds(5))
        #expect(events.maxSubscribers == 20)
        let crm = events.webhooks[0]
        #expect(crm.url.description == "https://crm.internal:8443/ccgw/events?x=1")
        #expect(crm.types.matches("ccgw.session.ended") && crm.types.matches("AgentEvent_Ringing") && !crm.types.matches("AgentEvent_Talking"))
        #expect(crm.secret == .file(path: "/etc/ccgw-shim/crm-webhook.key"))
        #expect(crm.maxAge == .seconds(60) && crm.queue == 500 && crm.caFile == "/etc/ccgw-shim/crm-ca.pem")
        #expect(crm.agents.allows(AgentID("1500")!) && !crm.agents.allows(AgentID("2000")!))
        #expect(events.webhooks[1].types == .all && events.webhooks[1].maxAge == .seconds(300) && events.webhooks[1].queue == 10_000)
    }

    @Test(arguments: [
        ("events: {retain: {perAgent: 0}}", "events.retain.perAgent"),
        ("events: {retain: {maxAge: soon}}", "events.retain.maxAge"),
        ("events: {subscriberQueue: 100001}", "events.subscriberQueue"),
        ("events: {maxSubscribers: 0}", "events.maxSubscribers"),
        ("events: {keepAlive: 2m}", "events.keepAlive"),
        ("events: {keepalive: 2s}", "events.keepalive"),
        ("events: {webhooks: {name: x}}", "events.webhooks"),
        ("events: {webhooks: [{url: \"https://a/b\", agents: [\"*\"], secretEnv: S}]}", "events.webhooks[0].name"),
        ("events: {webhooks: [{name: a, url: \"http://crm.internal/b\", agents: [\"*\"], secretEnv: S}]}", "events.webhooks[0].url"),
        ("events: {webhooks: [{name: a, url: \"ftp://a/b\", agents: [\"*\"], secretEnv: S}]}", "events.webhooks[0].url"),
        ("events: {webhooks: [{name: a, url: \"https://a/b\", secretEnv: S}]}", "events.webhooks[0].agents"),
        ("events: {webhooks: [{name: a, url: \"https://a/b\", agents: [\"12\"], secretEnv: S}]}", "events.webhooks[0].agents[0]"),
        ("events: {webhooks: [{name: a, url: \"https://a/b\", agents: [\"*\"]}]}", "events.webhooks[0]"),
        ("events: {webhooks: [{name: a, url: \"https://a/b\", agents: [\"*\"], secretEnv: S, secretFile: /f}]}", "events.webhooks[0]"),
        ("events: {webhooks: [{name: a, url: \"https://a/b\", agents: [\"*\"], secretEnv: S, types: [\"a*b\"]}]}", "events.webhooks[0].types"),
        ("events: {webhooks: [{name: a, url: \"https://a/b\", agents: [\"*\"], secretEnv: S, queue: 0}]}", "events.webhooks[0].queue"),
        (
            "events: {webhooks: [{name: a, url: \"https://a/b\", agents: [\"*\"], secretEnv: S}, {name: a, url: \"https://a/c\", agents: [\"*\"], secretEnv: T}]}",
            "events.webhooks[1].name"
        ),
    ])
    func aBadKeyIsOneLineNamingIt(yaml: String, key: String) {
        #expect {
            try ConfigParser.parse(yaml: Self.base + yaml)
        } throws: { error in
            (error as? ConfigError)?.key == key
        }
    }
}
