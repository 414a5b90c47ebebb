import ShimCore
import Testing

/// etcd's JSON gateway as it behaves in 3.4 (cluster/NOTES.md §2.1).
struct EtcdJSONTests {
    @Test(arguments: [("/ccgw/agents/", Array("/ccgw/agents0".utf8)), ("a", [0x62]), ("a\u{7F}", [0x61, 0x80])])
    func aPrefixRangeEndsAfterItsLastByte(prefix: String, end: [UInt8]) {
        #expect(EtcdJSON.rangeEnd(ofPrefix: prefix) == EtcdJSON.encode(end))
    }

    @Test func answersReadTheirStringNumbersAndOmittedDefaults() throws {
        let won = try JSONParser.parse(#"{"header":{"revision":"42"},"succeeded":true,"responses":[{"response_put":{}}]}"#)
        #expect(EtcdJSON.succeeded(won) && EtcdJSON.revision(won) == 42)
        let lost = try JSONParser.parse(
            #"{"header":{"revision":"43"},"responses":[{"response_range":{"kvs":[{"key":"L3gvYQ==","create_revision":"40","mod_revision":"41","version":"2","value":"bTE=","lease":"77"}],"count":"1"}}]}"#
        )
        #expect(!EtcdJSON.succeeded(lost))  // "succeeded": false is left out
        let key = try #require(EtcdJSON.keys(lost).first)
        #expect(key == EtcdKeyValue(key: "/x/a", value: Array("m1".utf8), createRevision: 40, modRevision: 41, lease: 77))
        #expect(EtcdJSON.ttl(try JSONParser.parse(#"{"result":{"ID":"5","TTL":"15"}}"#)) == 15)
        #expect(EtcdJSON.ttl(try JSONParser.parse(#"{"result":{"ID":"5"}}"#)) == nil)  // a lease that is gone
        let error = try #require(
            EtcdJSON.error(try JSONParser.parse(#"{"error":"etcdserver: leader changed","code":14,"message":"etcdserver: leader changed"}"#)))
        #expect(error.code == 14)
    }

    @Test func aClaimIsCreateIfAbsentOnTheLease() throws {
        let body = EtcdJSON.createIfAbsent(key: "/k", value: "v", lease: 9)
        let compare = try #require(body["compare"].flatMap { if case .array(let a) = $0 { a.first } else { nil } })
        #expect(compare["target"] == "CREATE" && compare["create_revision"] == "0")
        #expect(body.serialized.contains(#""lease":"9""#))
    }
}
