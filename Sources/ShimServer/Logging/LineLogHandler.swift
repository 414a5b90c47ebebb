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
        let fields = Self.fields(handler: metadata, provided: metadataProvider?.get(), explicit: event.metadata)
        let timestamp = LogTimestamp.now()
        switch format {
        case .json: sink.write(Self.json(timestamp: timestamp, level: event.level, message: "\(event.message)", fields: fields))
        case .text: sink.write(Self.text(timestamp: timestamp, level: event.level, message: "\(event.message)", fields: fields))
        }
    }

    /// A line's metadata as key-sorted pairs, one per key: the event's own value wins over
    /// the metadata provider's, which wins over the logger's. Built as one small array
    /// rather than by merging dictionaries (this runs for every request).
    static func fields(
        handler: Logger.Metadata, provided: Logger.Metadata?, explicit: Logger.Metadata?
    ) -> [(key: String, value: Logger.MetadataValue)] {
        let capacity = handler.count + (provided?.count ?? 0) + (explicit?.count ?? 0)
        var entries: [(key: String, value: Logger.MetadataValue)] = []
        entries.reserveCapacity(capacity)
        entries.append(contentsOf: handler.lazy.map { ($0.key, $0.value) })
        if let provided { entries.append(contentsOf: provided.lazy.map { ($0.key, $0.value) }) }
        if let explicit { entries.append(contentsOf: explicit.lazy.map { ($0.key, $0.value) }) }
        // Sort positions, not the entries (moving the values around cost more than the
        // comparisons); among equal keys the later source, so the higher position, wins.
        var order = Array(entries.indices)
        order.sort { entries[$0].key != entries[$1].key ? entries[$0].key < entries[$1].key : $0 < $1 }
        var fields: [(key: String, value: Logger.MetadataValue)] = []
        fields.reserveCapacity(capacity)
        for index in order {
            if let last = fields.last, last.key == entries[index].key {
                fields[fields.count - 1].value = entries[index].value
            } else {
                fields.append(entries[index])
            }
        }
        return fields
    }

    /// One JSON object: `ts`, `level`, `msg`, then the metadata keys in sorted order.
    static func json(timestamp: String, level: Logger.Level, message: String, metadata: Logger.Metadata) -> String {
        json(timestamp: timestamp, level: level, message: message, fields: fields(handler: metadata, provided: nil, explicit: nil))
    }

    /// One JSON object from key-sorted `fields`, written straight into one string.
    static func json(timestamp: String, level: Logger.Level, message: String, fields: [(key: String, value: Logger.MetadataValue)]) -> String {
        var out = "{\"ts\":\""
        out.reserveCapacity(320)
        out += timestamp
        out += "\",\"level\":\""
        out += level.rawValue
        out += "\",\"msg\":"
        JSONValue.writeString(message, into: &out)
        for (key, value) in fields {
            out += ","
            JSONValue.writeString(key, into: &out)
            out += ":"
            switch value {
            case .string(let text): JSONValue.writeString(text, into: &out)
            case .stringConvertible(let value): JSONValue.writeString(value.description, into: &out)
            case let other: jsonValue(other).write(into: &out)
            }
        }
        out += "}"
        return out
    }

    static func jsonValue(_ value: Logger.MetadataValue) -> JSONValue {
        switch value {
        case .string(let s): .string(s)
        case .stringConvertible(let c): .string(c.description)
        case .array(let a): .array(a.map(jsonValue))
        case .dictionary(let d): .object(d.keys.sorted().map { ($0, jsonValue(d[$0]!)) })
        }
    }

    /// `ts LEVEL message key=value …`, keys in sorted order; values with spaces quoted.
    static func text(timestamp: String, level: Logger.Level, message: String, fields: [(key: String, value: Logger.MetadataValue)]) -> String {
        var line = "\(timestamp) \(level.rawValue.uppercased()) \(message)"
        for (key, value) in fields {
            let value = "\(value)"
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
