import Yams

/// The `cluster:` section of the config (issue #11) and the cluster keys' checks, with the
/// same one-line errors as the rest of `ConfigParser`.
public enum ClusterConfigParser {
    static let clusterKeys = [
        "memberId", "advertiseURL", "peerTokenFile", "peerTokenEnv", "peerTokenCredential", "leaseTTL", "prefix", "etcd", "claimRate",
    ]
    static let etcdKeys = ["endpoints", "caFile", "certFile", "keyFile"]

    /// The `cluster:` section (issue #11). `config` is the rest of the file, parsed first:
    /// the lease must be well under `gateway.unpolledSignOut`, and `advertiseURL` must use
    /// the scheme the listener serves.
    static func parseCluster(_ node: Node, config: ShimConfig) throws(ConfigError) -> ShimConfig.Cluster {
        let reader = try YAMLMappingReader(node, path: "cluster", allowed: clusterKeys)
        // `${NAME}` in these two is filled from the environment at load time (a pod's name and IP).
        let member = try reader.requireString("memberId")
        if !member.contains("${"), let problem = memberIDProblem(member) { throw reader.fail("memberId", problem) }
        let advertise = try reader.requireString("advertiseURL")
        if !advertise.contains("${"), let problem = advertiseURLProblem(advertise, listenTLS: config.listen.tls != nil) {
            throw reader.fail("advertiseURL", problem)
        }
        let sources = try EntryConfigParser.tokenSources(reader, prefix: "peerToken")
        guard sources.count == 1 else {
            throw ConfigError(
                key: "cluster", line: reader.line,
                problem: sources.isEmpty
                    ? "needs one of peerTokenFile, peerTokenEnv or peerTokenCredential (the same secret on every member)"
                    : "has more than one peer token source; keep exactly one")
        }
        let etcdReader = try YAMLMappingReader(try reader.requireNode("etcd"), path: "cluster.etcd", allowed: etcdKeys)
        guard case .sequence(let list)? = etcdReader.node("endpoints"), !list.isEmpty else {
            throw etcdReader.fail("endpoints", "is required: a list of etcd client URLs such as https://10.0.0.1:2379")
        }
        var endpoints: [String] = []
        for (index, item) in list.enumerated() {
            guard let text = item.scalar?.string, baseURLScheme(text) != nil else {
                throw ConfigError(key: "cluster.etcd.endpoints[\(index)]", line: item.mark?.line, problem: "must be http(s)://host:port")
            }
            endpoints.append(text)
        }
        var etcd = ShimConfig.Cluster.Etcd(endpoints: endpoints)
        for key in ["caFile", "certFile", "keyFile"] where etcdReader.has(key) {
            guard let value = try etcdReader.string(key), !value.isEmpty else { throw etcdReader.fail(key, "must not be empty") }
            switch key {
            case "caFile": etcd.caFile = value
            case "certFile": etcd.certFile = value
            default: etcd.keyFile = value
            }
        }
        if (etcd.certFile == nil) != (etcd.keyFile == nil) {
            throw etcdReader.fail(etcd.certFile == nil ? "certFile" : "keyFile", "certFile and keyFile go together")
        }
        if etcd.caFile != nil || etcd.certFile != nil, !endpoints.allSatisfy({ $0.hasPrefix("https://") }) {
            throw etcdReader.fail(etcd.caFile != nil ? "caFile" : "certFile", "is set but not every endpoint is https://")
        }
        var cluster = ShimConfig.Cluster(memberID: member, advertiseURL: advertise, peerToken: sources[0], etcd: etcd)
        if let ttl = try reader.duration("leaseTTL") {
            guard ttl >= .seconds(2), ttl <= .seconds(60), ttl.components.attoseconds == 0 else {
                throw reader.fail("leaseTTL", "must be whole seconds from 2s to 60s (etcd's minimum lease is 2 s)")
            }
            cluster.leaseTTL = ttl
        }
        guard cluster.leaseTTL * 3 <= config.gateway.unpolledSignOut else {
            throw reader.fail(
                "leaseTTL",
                "must be at most a third of gateway.unpolledSignOut, so a failed member's agents move before the gateway signs them out")
        }
        if let prefix = try reader.string("prefix") {
            guard prefix.hasPrefix("/"), prefix.count > 1, !prefix.hasSuffix("/"), !prefix.contains("//") else {
                throw reader.fail("prefix", "must start with '/' and not end with '/', e.g. /ccgw-shim")
            }
            cluster.prefix = prefix
        }
        if let rate = try reader.int("claimRate", in: 1...10_000) { cluster.claimRate = rate }
        return cluster
    }

    /// What is wrong with a `memberId`, or nil.
    static func memberIDProblem(_ member: String) -> String? {
        guard !member.isEmpty, member.count <= 64, member.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "-_.".contains($0)) }) else {
            return "must be ASCII letters, digits, '-', '_' or '.' (1 to 64)"
        }
        return nil
    }

    /// What is wrong with an `advertiseURL` for a listener with or without TLS, or nil.
    static func advertiseURLProblem(_ url: String, listenTLS: Bool) -> String? {
        switch baseURLScheme(url) {
        case nil: "must be http(s)://host:port, without a path: how the other members reach this member's API"
        case "https"? where !listenTLS: "is https:// but listen.tls is not set, so this member serves plain http"
        case "http"? where listenTLS: "is http:// but listen.tls is set, so this member serves https"
        default: nil
        }
    }

    /// `text` with every `${NAME}` replaced by `lookup(NAME)`; throws naming `key` when a
    /// variable is not set or the reference is not closed.
    public static func expandEnvironment(_ text: String, key: String, lookup: (String) -> String?) throws(ConfigError) -> String {
        var result = ""
        var rest = Substring(text)
        while let dollar = rest.indices.first(where: { rest[$0] == "$" && rest[rest.index(after: $0)...].first == "{" }) {
            result += rest[..<dollar]
            let nameStart = rest.index(dollar, offsetBy: 2)
            guard let end = rest[nameStart...].firstIndex(of: "}") else {
                throw ConfigError(key: key, line: nil, problem: "has a ${ without its closing }")
            }
            let name = String(rest[nameStart..<end])
            guard let value = lookup(name), !value.isEmpty else {
                throw ConfigError(key: key, line: nil, problem: "names the environment variable \(name), which is not set")
            }
            result += value
            rest = rest[rest.index(after: end)...]
        }
        return result + rest
    }

    /// The cluster section with `${NAME}` in `memberId` and `advertiseURL` filled from the
    /// environment, and both checked.
    public static func resolveCluster(
        _ cluster: ShimConfig.Cluster, listenTLS: Bool, lookup: (String) -> String?
    ) throws(ConfigError)
        -> ShimConfig.Cluster
    {
        var resolved = cluster
        resolved.memberID = try expandEnvironment(cluster.memberID, key: "cluster.memberId", lookup: lookup)
        resolved.advertiseURL = try expandEnvironment(cluster.advertiseURL, key: "cluster.advertiseURL", lookup: lookup)
        if let problem = memberIDProblem(resolved.memberID) { throw ConfigError(key: "cluster.memberId", line: nil, problem: problem) }
        if let problem = advertiseURLProblem(resolved.advertiseURL, listenTLS: listenTLS) {
            throw ConfigError(key: "cluster.advertiseURL", line: nil, problem: problem)
        }
        return resolved
    }

    /// The scheme of `http(s)://host:port` with nothing after the port, or nil.
    static func baseURLScheme(_ text: String) -> String? {
        for scheme in ["http", "https"] where text.hasPrefix(scheme + "://") {
            let rest = text.dropFirst(scheme.count + 3)
            guard !rest.isEmpty, !rest.contains("/"), !rest.contains("@"), !rest.contains(" "),
                let colon = rest.lastIndex(of: ":"), let port = Int(rest[rest.index(after: colon)...]), (1...65535).contains(port),
                colon != rest.startIndex
            else { return nil }
            return scheme
        }
        return nil
    }
}
