import Foundation
import Logging
import ShimCore

/// `<state.directory>/cluster.json`: the member's lease id, kept so a member restarted
/// within `leaseTTL` resumes with its lease (and the agents' keys on it). Only this
/// member's id under this prefix is read back.
struct LeaseFile: Sendable {
    let path: String
    let memberID: String
    let prefix: String

    /// The kept lease id, if the file is this member's.
    func read() -> Int64? {
        guard let data = FileManager.default.contents(atPath: path), let json = try? JSONParser.parse(Array(data)),
            json["member"]?.stringValue == memberID, json["prefix"]?.stringValue == prefix,
            let id = json["lease"]?.stringValue.flatMap({ Int64($0) })
        else { return nil }
        return id
    }

    /// Keeps `lease`; a failure is a warning (the next start takes a new lease).
    func write(_ lease: Int64, logger: Logger) {
        let text = JSONValue.object([("member", .string(memberID)), ("prefix", .string(prefix)), ("lease", .string(String(lease)))])
        do {
            try StateFile.write(text.serialized, to: path)
        } catch {
            logger.warning("cluster: cannot keep the lease id in the state directory (\(error))", metadata: ["state.directory": "\(path)"])
        }
    }

    func forget() { unlink(path) }
}
