/// Defaults shared by the binary and the deployment files.
public enum ShimDefaults {
    /// Where `ccgw-shim run` looks for its config when `--config` is not given.
    public static let configPath = "/etc/ccgw-shim/config.yaml"
}
