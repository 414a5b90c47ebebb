import Foundation
public import NIOSSL
public import ShimCore

/// Reads the PEM files the config names (the gateway's CA bundle and client
/// certificate, the listener's certificate and key), for the gateway client, the
/// listener and `check-config` alike. Errors name the config key and the path,
/// never the file's content.
public enum PEMFile {
    /// A bundle of one or more certificates.
    public static func certificates(_ path: String, key: String) throws(ConfigError) -> [NIOSSLCertificate] {
        guard FileManager.default.isReadableFile(atPath: path) else {
            throw ConfigError(key: key, line: nil, problem: "cannot read \(path)")
        }
        let certificates: [NIOSSLCertificate]
        do {
            certificates = try NIOSSLCertificate.fromPEMFile(path)
        } catch {
            throw ConfigError(key: key, line: nil, problem: "\(path) is not a PEM certificate bundle")
        }
        guard !certificates.isEmpty else { throw ConfigError(key: key, line: nil, problem: "\(path) holds no PEM certificate") }
        return certificates
    }

    /// A private key.
    public static func privateKey(_ path: String, key: String) throws(ConfigError) -> NIOSSLPrivateKey {
        do {
            return try NIOSSLPrivateKey(file: path, format: .pem)
        } catch {
            throw ConfigError(key: key, line: nil, problem: "\(path) is not a readable PEM private key")
        }
    }
}
