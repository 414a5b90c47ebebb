public import Logging
public import ShimCore

/// Makes the shim's logger: one line per event, JSON or text, at the level held
/// by `levelControl` (which a reload changes). Lines go to stdout, or to `write`.
public func makeLogger(
    _ settings: ShimConfig.LogSettings, label: String = "ccgw-shim", levelControl: LogLevelControl? = nil,
    write: (@Sendable (String) -> Void)? = nil
) -> Logger {
    let control = levelControl ?? LogLevelControl(settings.level.loggerLevel)
    control.level = settings.level.loggerLevel
    let sink = write.map(LogSink.init) ?? .standardOutput
    return Logger(label: label) { label in
        LineLogHandler(label: label, format: settings.format, levelControl: control, sink: sink)
    }
}
