import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// The file operations of the state file: an atomic, durable replace and a read that
/// refuses a file others may read. Errors name the path and the failure, never the
/// content.
enum StateFile {
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// Replaces `path` with `text`: a `0600` temporary file beside it is written and
    /// fsynced, renamed over `path`, then the directory is fsynced, so a crash at any
    /// moment leaves either the old or the new file.
    static func write(_ text: String, to path: String) throws(Failure) {
        let temporary = path + ".tmp"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw failure("cannot create \(temporary)") }
        var ok = fchmod(fd, 0o600) == 0
        var bytes = Array(text.utf8)
        var offset = 0
        while ok, offset < bytes.count {
            let written = bytes.withUnsafeMutableBytes { Glibc.write(fd, $0.baseAddress! + offset, $0.count - offset) }
            if written < 0, errno == EINTR { continue }
            ok = written > 0
            if ok { offset += written }
        }
        bytes.removeAll()
        ok = ok && fsync(fd) == 0
        let error = errno
        close(fd)
        guard ok else {
            unlink(temporary)
            throw Failure(description: "cannot write \(temporary): \(String(cString: strerror(error)))")
        }
        guard rename(temporary, path) == 0 else {
            let error = failure("cannot rename \(temporary) to \(path)")
            unlink(temporary)
            throw error
        }
        let directory = (path as NSString).deletingLastPathComponent
        let dirFD = open(directory.isEmpty ? "." : directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if dirFD >= 0 {
            _ = fsync(dirFD)
            close(dirFD)
        }
    }

    /// What reading the file found.
    enum Read {
        case missing
        case content([UInt8])
        /// The file exists but must not be used: the reason says why.
        case refused(String)
    }

    /// Reads `path`, refusing a file that is not a regular file or that others may read.
    static func read(_ path: String) -> Read {
        let attributes: [FileAttributeKey: Any]
        do {
            attributes = try FileManager.default.attributesOfItem(atPath: path)
        } catch {
            return FileManager.default.fileExists(atPath: path) ? .refused("cannot read \(path)") : .missing
        }
        guard attributes[.type] as? FileAttributeType == .typeRegular else { return .refused("\(path) is not a regular file") }
        let mode = (attributes[.posixPermissions] as? Int ?? 0o777) & 0o777
        guard mode & 0o077 == 0 else {
            return .refused(
                "\(path) is readable by other users (mode \(String(mode, radix: 8))); it holds live session GUIDs, so it is ignored. chmod 600 it, or remove it"
            )
        }
        guard let data = FileManager.default.contents(atPath: path) else { return .refused("cannot read \(path)") }
        return .content(Array(data))
    }

    private static func failure(_ what: String) -> Failure {
        Failure(description: "\(what): \(String(cString: strerror(errno)))")
    }
}
