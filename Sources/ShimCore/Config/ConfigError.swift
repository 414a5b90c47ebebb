/// A configuration problem, named by its key path (`gateway.pollTimeout`,
/// `agents[1].passwordFile`) and, where the YAML parser knows it, its line.
public struct ConfigError: Error, Equatable, CustomStringConvertible {
    public let key: String
    public let line: Int?
    public let problem: String

    public init(key: String, line: Int?, problem: String) {
        self.key = key
        self.line = line
        self.problem = problem
    }

    /// One line for an operator: `config error: gateway.pollTimeout (line 7): ...`.
    public var description: String {
        let at = line.map { " (line \($0))" } ?? ""
        let name = key.isEmpty ? "config" : key
        return "config error: \(name)\(at): \(problem)"
    }
}
