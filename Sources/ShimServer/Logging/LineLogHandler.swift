import Foundation
public import Logging
public import ShimCore

/// A swift-log handler that writes one line per event, as JSON (one object per
/// line, metadata keys at the top level, e.g. `agent.id`) or as `key=value` text.
///
/// The shim never puts a GUID, cookie, password or token into a message or
/// metadata; this handler adds nothing from the request on its own.
struct LineLogHandler: LogHandler {
    /// Shared by every handler of the process, so a reload changes all loggers at once.
    let levelControl: LogLevelControl
    var logLevel: Logger.Level {
        get { levelControl.level }
        set { levelControl.level = newValue }
    }
    var metadata: Logger.Metadata = [:]
    var metadataProvider: Logger.MetadataProvider?
    let label: String
    let format: ShimConfig.LogFormat
    let sink: LogSink

    init(label: String, format: ShimConfig.LogFormat, levelControl: LogLevelControl, sink: LogSink = .standardOutput) {
        self.label = label
        self.format = format
        self.levelControl = levelControl
        self.sink = sink
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var merged = metadata
        if let provided = metadataProvider?.get() { merged.merge(provided) { _, new in new } }
        if let explicit = event.metadata { merged.merge(explicit) { _, new in new } }
        let timestamp = Date.rfc3339(Date())
        switch format {
        case .json: sink.write(Self.json(timestamp: timestamp, level: event.level, message: "\(event.message)", metadata: merged))
        case .text: sink.write(Self.text(timestamp: timestamp, level: event.level, message: "\(event.message)", metadata: merged))
        }
    }

    static func json(timestamp: String, level: Logger.Level, message: String, metadata: Logger.Metadata) -> String {
        var members: [(key: String, value: JSONValue)] = [("ts", .string(timestamp)), ("level", .string(level.rawValue)), ("msg", .string(message))]
        for key in metadata.keys.sorted() {
            members.append((key, jsonValue(metadata[key]!)))
        }
        return JSONValue.object(members).serialized
    }

    static func jsonValue(_ value: Logger.MetadataValue) -> JSONValue {
        switch value {
        case .string(let s): .string(s)
        case .stringConvertible(let c): .string(c.description)
        case .array(let a): .array(a.map(jsonValue))
        case .dictionary(let d): .object(d.keys.sorted().map { ($0, jsonValue(d[$0]!)) })
        }
    }

    static func text(timestamp: String, level: Logger.Level, message: String, metadata: Logger.Metadata) -> String {
        var line = "\(timestamp) \(level.rawValue.uppercased()) \(message)"
        for key in metadata.keys.sorted() {
            let value = "\(metadata[key]!)"
            let quoted = value.contains(" ") || value.isEmpty ? "\"\(value)\"" : value
            line += " \(key)=\(quoted)"
        }
        return line
    }
}

extension ShimConfig.LogLevel {
    /// The swift-log level of the same name.
    public var loggerLevel: Logger.Level { Logger.Level(rawValue: rawValue) ?? .info }
}
