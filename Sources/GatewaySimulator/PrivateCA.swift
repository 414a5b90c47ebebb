import Crypto
import Foundation
import SwiftASN1
import X509

/// A throwaway certificate authority and a server certificate it signed, minted
/// at start so no committed certificate can expire. The server certificate names
/// the given hosts (DNS names or IPv4/IPv6 literals); by default `localhost`,
/// `127.0.0.1` and `::1`. The CA can also issue client certificates (mutual TLS).
public struct PrivateCA: Sendable {
    /// The CA certificate (PEM): what a client must trust.
    public let caCertificatePEM: String
    /// The server certificate (PEM) and its key (PEM).
    public let serverCertificatePEM: String
    public let serverKeyPEM: String
    private let caKey: P256.Signing.PrivateKey
    private let caName: DistinguishedName

    /// Mints a CA named `commonName` and a server certificate valid for a day.
    public init(commonName: String = "ccgw-sim private CA", hosts: [String] = ["localhost", "127.0.0.1", "::1"]) throws {
        let now = Date()
        caKey = P256.Signing.PrivateKey()
        caName = try DistinguishedName {
            OrganizationName("ccgw-shim test")
            CommonName(commonName)
        }
        let caCertificate = try Certificate(
            version: .v3,
            serialNumber: .init(),
            publicKey: .init(caKey.publicKey),
            notValidBefore: now.addingTimeInterval(-300),
            notValidAfter: now.addingTimeInterval(86_400 * 2),
            issuer: caName,
            subject: caName,
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.isCertificateAuthority(maxPathLength: 0))
                Critical(KeyUsage(digitalSignature: true, keyCertSign: true, cRLSign: true))
            },
            issuerPrivateKey: .init(caKey)
        )
        caCertificatePEM = try caCertificate.serializeAsPEM().pemString
        let server = try Self.issue(by: caKey, caName: caName, commonName: "localhost", hosts: hosts, usage: .serverAuth)
        serverCertificatePEM = server.certificatePEM
        serverKeyPEM = server.keyPEM
    }

    /// A client certificate for mutual TLS, signed by this CA.
    public func issueClientCertificate(commonName: String = "ccgw-shim") throws -> (certificatePEM: String, keyPEM: String) {
        try Self.issue(by: caKey, caName: caName, commonName: commonName, hosts: [], usage: .clientAuth)
    }

    /// A server certificate for other names, signed by this CA (e.g. the shim's own listener).
    public func issueServerCertificate(hosts: [String]) throws -> (certificatePEM: String, keyPEM: String) {
        try Self.issue(by: caKey, caName: caName, commonName: hosts.first ?? "localhost", hosts: hosts, usage: .serverAuth)
    }

    private static func issue(
        by caKey: P256.Signing.PrivateKey, caName: DistinguishedName, commonName: String, hosts: [String], usage: ExtendedKeyUsage.Usage
    ) throws -> (certificatePEM: String, keyPEM: String) {
        let now = Date()
        let key = P256.Signing.PrivateKey()
        let names = hosts.map { host -> GeneralName in
            if let bytes = Self.ipBytes(host) { return .ipAddress(ASN1OctetString(contentBytes: ArraySlice(bytes))) }
            return .dnsName(host)
        }
        let certificate = try Certificate(
            version: .v3,
            serialNumber: .init(),
            publicKey: .init(key.publicKey),
            notValidBefore: now.addingTimeInterval(-300),
            notValidAfter: now.addingTimeInterval(86_400),
            issuer: caName,
            subject: try DistinguishedName { CommonName(commonName) },
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.notCertificateAuthority)
                Critical(KeyUsage(digitalSignature: true, keyEncipherment: true))
                try ExtendedKeyUsage([usage])
                if !names.isEmpty { SubjectAlternativeNames(names) }
            },
            issuerPrivateKey: .init(caKey)
        )
        return (try certificate.serializeAsPEM().pemString, key.pemRepresentation)
    }

    /// The address bytes of an IPv4 or IPv6 literal, or nil for a DNS name.
    static func ipBytes(_ host: String) -> [UInt8]? {
        var v4 = in_addr()
        if inet_pton(AF_INET, host, &v4) == 1 { return withUnsafeBytes(of: &v4) { Array($0) } }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, host, &v6) == 1 { return withUnsafeBytes(of: &v6) { Array($0) } }
        return nil
    }
}
