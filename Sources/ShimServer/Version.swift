/// The shim's version, printed by `--version` and logged at start.
public enum ShimVersion {
    public static let current = "0.1.0"
}
