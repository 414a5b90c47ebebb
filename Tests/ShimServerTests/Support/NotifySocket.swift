import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A unix datagram socket bound to a temporary path, standing in for systemd's
/// `NOTIFY_SOCKET`: it collects every message the shim sends.
final class NotifySocket: @unchecked Sendable {
    let path: String
    private let fd: Int32
    private let lock = NSLock()
    private var received: [String] = []
    private var reader: Thread?

    init() throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("notify-\(UUID().uuidString.prefix(8)).sock").path
        fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        guard fd >= 0 else { throw POSIXError(.EIO) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: bytes) }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard bound == 0 else { throw POSIXError(.EADDRINUSE) }
        var timeout = timeval(tv_sec: 0, tv_usec: 100_000)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        let thread = Thread { [weak self] in self?.readLoop() }
        reader = thread
        thread.start()
    }

    private var closed: Bool {
        lock.lock()
        defer { lock.unlock() }
        return reader == nil
    }

    private func readLoop() {
        var buffer = [UInt8](repeating: 0, count: 4096)
        while !closed {
            let n = recv(fd, &buffer, buffer.count, 0)
            if n > 0 {
                let message = String(decoding: buffer[0..<n], as: UTF8.self)
                lock.lock()
                received.append(message)
                lock.unlock()
            }
        }
    }

    /// Every message so far, in order.
    var messages: [String] {
        lock.lock()
        defer { lock.unlock() }
        return received
    }

    func close() {
        lock.lock()
        reader = nil
        lock.unlock()
        Thread.sleep(forTimeInterval: 0.15)
        Glibc.close(fd)
        unlink(path)
    }
}
