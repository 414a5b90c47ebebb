import Crypto
import Foundation
import SwiftASN1
import X509

/// A throwaway certificate authority and a server certificate it signed, minted
/// at start so no committed certificate can expire. The server certificate names
/// the given hosts (DNS names or IPv4/IPv6 literals); by default `localhost`,
/// `127.0.0.1` and `::1`.
public struct PrivateCA: Sendable {
    /// The CA certificate (PEM): what a client must trust.
    public let caCertificatePEM: String
    /// The server certificate (PEM) and its key (PEM).
    public let serverCertificatePEM: String
    public let serverKeyPEM: String

    /// Mints a CA named `commonName` and a server certificate valid for a day.
    public init(commonName: String = "ccgw-sim private CA", hosts: [String] = ["localhost", "127.0.0.1", "::1"]) throws {
        let now = Date()
        let caKey = P256.Signing.PrivateKey()
        let caName = try DistinguishedName {
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
        let serverKey = P256.Signing.PrivateKey()
        let names = hosts.map { host -> GeneralName in
            if let bytes = Self.ipBytes(host) { return .ipAddress(ASN1OctetString(contentBytes: ArraySlice(bytes))) }
            return .dnsName(host)
        }
        let serverCertificate = try Certificate(
            version: .v3,
            serialNumber: .init(),
            publicKey: .init(serverKey.publicKey),
            notValidBefore: now.addingTimeInterval(-300),
            notValidAfter: now.addingTimeInterval(86_400),
            issuer: caName,
            subject: try DistinguishedName { CommonName("localhost") },
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.notCertificateAuthority)
                Critical(KeyUsage(digitalSignature: true, keyEncipherment: true))
                try ExtendedKeyUsage([.serverAuth])
                SubjectAlternativeNames(names)
            },
            issuerPrivateKey: .init(caKey)
        )
        caCertificatePEM = try caCertificate.serializeAsPEM().pemString
        serverCertificatePEM = try serverCertificate.serializeAsPEM().pemString
        serverKeyPEM = serverKey.pemRepresentation
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
