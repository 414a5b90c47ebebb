/// The shim's version, printed by `--version` and logged at start.
public enum ShimVersion {
    public static let current = "0.1.0"

    /// The build configuration and compiler, e.g. `release, Swift 6.3`.
    public static var build: String {
        #if DEBUG
        let configuration = "debug"
        #else
        let configuration = "release"
        #endif
        #if compiler(>=6.3)
        let compiler = "Swift 6.3+"
        #else
        let compiler = "Swift 6.2"
        #endif
        return "\(configuration), \(compiler)"
    }
}
