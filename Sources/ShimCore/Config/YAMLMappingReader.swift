import Yams

/// Reads one YAML mapping of the config strictly: every key must be known,
/// every value of the right type; errors carry the dotted key path and line.
struct YAMLMappingReader {
    let path: String
    let mapping: Node.Mapping
    let line: Int?

    /// Wraps `node` as a mapping; `allowed` lists the keys it may contain.
    init(_ node: Node, path: String, allowed: [String]) throws(ConfigError) {
        guard case .mapping(let mapping) = node else {
            throw ConfigError(key: path, line: node.mark?.line, problem: "must be a mapping (key: value pairs)")
        }
        self.path = path
        self.mapping = mapping
        self.line = node.mark?.line
        var seen = Set<String>()
        for (key, _) in mapping {
            guard case .scalar(let scalar) = key else {
                throw ConfigError(key: path, line: key.mark?.line, problem: "keys must be plain strings")
            }
            let name = scalar.string
            guard allowed.contains(name) else {
                let near = Self.nearest(name, in: allowed).map { " (did you mean '\($0)'?)" } ?? ""
                throw ConfigError(
                    key: Self.join(path, name), line: key.mark?.line,
                    problem: "unknown key\(near); known keys here: \(allowed.joined(separator: ", "))")
            }
            guard seen.insert(name).inserted else {
                throw ConfigError(key: Self.join(path, name), line: key.mark?.line, problem: "appears more than once")
            }
        }
    }

    /// The allowed key closest to a misspelt one (case-insensitive edit distance ≤ 2).
    static func nearest(_ name: String, in allowed: [String]) -> String? {
        let scored = allowed.map { ($0, editDistance(Array(name.lowercased()), Array($0.lowercased()))) }
        guard let best = scored.min(by: { $0.1 < $1.1 }), best.1 <= 2 else { return nil }
        return best.0
    }

    static func editDistance(_ a: [Character], _ b: [Character]) -> Int {
        var previous = Array(0...b.count)
        for i in 1...max(a.count, 1) where !a.isEmpty {
            var current = [i] + Array(repeating: 0, count: b.count)
            for j in stride(from: 1, through: b.count, by: 1) {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            previous = current
        }
        return a.isEmpty ? b.count : previous[b.count]
    }

    static func join(_ path: String, _ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    func keyPath(_ key: String) -> String { Self.join(path, key) }

    /// The value node of `key`, if present and not null.
    func node(_ key: String) -> Node? {
        guard let value = mapping[key] else { return nil }
        if case .scalar(let scalar) = value, scalar.style == .plain, ["", "~", "null", "Null", "NULL"].contains(scalar.string) { return nil }
        return value
    }

    /// Whether `key` is written at all (even as null).
    func has(_ key: String) -> Bool { mapping[key] != nil }

    func lineOf(_ key: String) -> Int? { mapping[key]?.mark?.line ?? line }

    func fail(_ key: String, _ problem: String) -> ConfigError {
        ConfigError(key: keyPath(key), line: lineOf(key), problem: problem)
    }

    func requireNode(_ key: String) throws(ConfigError) -> Node {
        guard let node = node(key) else { throw ConfigError(key: keyPath(key), line: line, problem: "is required") }
        return node
    }

    func string(_ key: String) throws(ConfigError) -> String? {
        guard let node = node(key) else { return nil }
        guard case .scalar(let scalar) = node else { throw fail(key, "must be a string") }
        return scalar.string
    }

    func requireString(_ key: String) throws(ConfigError) -> String {
        _ = try requireNode(key)
        guard let value = try string(key), !value.isEmpty else { throw fail(key, "must not be empty") }
        return value
    }

    func bool(_ key: String) throws(ConfigError) -> Bool? {
        guard let node = node(key) else { return nil }
        guard case .scalar(let scalar) = node, scalar.style == .plain,
            ["true", "false"].contains(scalar.string.lowercased())
        else { throw fail(key, "must be true or false") }
        return scalar.string.lowercased() == "true"
    }

    func int(_ key: String, in range: ClosedRange<Int>) throws(ConfigError) -> Int? {
        guard let node = node(key) else { return nil }
        guard case .scalar(let scalar) = node, let value = Int(scalar.string), range.contains(value) else {
            throw fail(key, "must be a whole number from \(range.lowerBound) to \(range.upperBound)")
        }
        return value
    }

    /// A duration such as `250ms`, `2s`, `1m`.
    func duration(_ key: String, minimum: Duration = .zero) throws(ConfigError) -> Duration? {
        guard let node = node(key) else { return nil }
        guard case .scalar(let scalar) = node, let value = DurationText.parse(scalar.string) else {
            throw fail(key, "must be a duration such as 250ms, 2s or 1m")
        }
        guard value >= minimum else { throw fail(key, "must be at least \(DurationText.format(minimum))") }
        return value
    }

    /// One of a fixed set of words.
    func choice<T: RawRepresentable>(_ key: String, of type: T.Type) throws(ConfigError) -> T?
    where T.RawValue == String, T: CaseIterable {
        guard let text = try string(key) else { return nil }
        guard let value = T(rawValue: text) else {
            throw fail(key, "must be one of \(T.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return value
    }
}
