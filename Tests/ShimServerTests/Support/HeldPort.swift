import Foundation

/// A TCP port on 127.0.0.1 that another "process" listens on, until `release`. It never
/// accepts: the kernel completes up to 16 connections' TCP handshakes, and they stay silent.
final class HeldPort {
    let port: Int
    private var fd: Int32

    init() throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { [fd] in
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, length) == 0 && listen(fd, 16) == 0 && getsockname(fd, $0, &length) == 0
            }
        }
        guard bound else {
            close(fd)
            throw EtcdCluster.ClusterError(description: "could not hold a port")
        }
        port = Int(UInt16(bigEndian: address.sin_port))
    }

    func release() {
        if fd >= 0 { close(fd) }
        fd = -1
    }

    deinit { release() }
}
