/// Where a secret comes from. The value itself is read by the server at start.
public enum SecretSource: Sendable, Equatable {
    /// Written in the config file (labs and demos).
    case inline(String)
    /// A file; one trailing newline is stripped.
    case file(path: String)
    /// An environment variable.
    case environment(name: String)
    /// A systemd credential: the file `$CREDENTIALS_DIRECTORY/<name>` (`LoadCredential=`).
    case credential(name: String)

    /// The config key that names this source, e.g. `passwordFile`.
    public func key(prefix: String) -> String {
        switch self {
        case .inline: prefix
        case .file: prefix + "File"
        case .environment: prefix + "Env"
        case .credential: prefix + "Credential"
        }
    }
}
