import Yams

extension ConfigParser {
    static let clusterKeys = [
        "memberId", "advertiseURL", "peerTokenFile", "peerTokenEnv", "peerTokenCredential", "leaseTTL", "prefix", "etcd", "claimRate",
    ]
    static let etcdKeys = ["endpoints", "caFile", "certFile", "keyFile"]

    /// The `cluster:` section (issue #11). `config` is the rest of the file, parsed first:
    /// the lease must be well under `gateway.unpolledSignOut`, and `advertiseURL` must use
    /// the scheme the listener serves.
    static func parseCluster(_ node: Node, config: ShimConfig) throws(ConfigError) -> ShimConfig.Cluster {
        let reader = try YAMLMappingReader(node, path: "cluster", allowed: clusterKeys)
        let member = try reader.requireString("memberId")
        guard !member.isEmpty, member.count <= 64, member.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "-_.".contains($0)) }) else {
            throw reader.fail("memberId", "must be ASCII letters, digits, '-', '_' or '.' (1 to 64)")
        }
        let advertise = try reader.requireString("advertiseURL")
        guard let scheme = baseURLScheme(advertise) else {
            throw reader.fail("advertiseURL", "must be http(s)://host:port, without a path: how the other members reach this member's API")
        }
        if scheme == "https", config.listen.tls == nil {
            throw reader.fail("advertiseURL", "is https:// but listen.tls is not set, so this member serves plain http")
        }
        if scheme == "http", config.listen.tls != nil {
            throw reader.fail("advertiseURL", "is http:// but listen.tls is set, so this member serves https")
        }
        let sources = try tokenSources(reader, prefix: "peerToken")
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
