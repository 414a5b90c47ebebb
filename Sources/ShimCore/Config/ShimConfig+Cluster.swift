extension ShimConfig {
    /// Cluster mode (issue #11): several members serve every agent, with one owner per
    /// agent coordinated through etcd. Absent: a single process.
    public struct Cluster: Sendable, Equatable {
        /// This member's name; unique among the live members.
        public var memberID: String
        /// How the other members reach this member's API (`http(s)://host:port`).
        public var advertiseURL: String
        /// The secret every member presents to the others when it forwards a request.
        public var peerToken: SecretSource
        /// The lease that binds this member's agent keys: when the member dies, etcd
        /// deletes them this long after its last keepalive.
        public var leaseTTL: Duration = .seconds(15)
        /// Every key the cluster writes lives under it.
        public var prefix = "/ccgw-shim"
        public var etcd: Etcd
        /// Agents claimed per second after a failover, per member.
        public var claimRate = 20

        /// How the member reaches etcd.
        public struct Etcd: Sendable, Equatable {
            /// `http(s)://host:port` of each etcd member.
            public var endpoints: [String]
            /// PEM bundle of the CAs that sign the etcd members' certificates; nil: the system store.
            public var caFile: String?
            /// Client certificate and key (PEM) when etcd requires them.
            public var certFile: String?
            public var keyFile: String?

            public init(endpoints: [String]) { self.endpoints = endpoints }
        }

        public init(memberID: String, advertiseURL: String, peerToken: SecretSource, etcd: Etcd) {
            self.memberID = memberID
            self.advertiseURL = advertiseURL
            self.peerToken = peerToken
            self.etcd = etcd
        }
    }
}
