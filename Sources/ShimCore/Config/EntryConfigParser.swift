import Yams

/// The entries of the config's lists: an agent (`agents[]`, with its skills choice and
/// extra sign-in fields) and a client (`clients[]`, with its token source), and the secret
/// sources they share; one-line errors naming the key, as `ConfigParser`'s.
enum EntryConfigParser {
    static let agentKeys = ["id", "phone", "password", "passwordFile", "passwordEnv", "passwordCredential", "signIn", "skills"]
    static let choiceKeys = ["skills", "phoneLinkage"]
    static let clientKeys = ["name", "tokenFile", "tokenEnv", "tokenCredential", "agents"]
    /// Sign-in body fields the config may not set through `signIn`: they come from other keys.
    static let reservedSignInFields = ["password", "phonenum"]

    static func parseAgent(_ node: Node, path: String) throws(ConfigError) -> ShimConfig.Agent {
        let reader = try YAMLMappingReader(node, path: path, allowed: agentKeys)
        let idText = try reader.requireString("id")
        guard let id = AgentID(idText) else {
            throw reader.fail("id", "must be an agent id from 101 to 999999 in plain digits")
        }
        let phone = try reader.requireString("phone")
        guard phone.count <= 24 else { throw reader.fail("phone", "must be at most 24 characters (PROTOCOL.md §2.1)") }

        var sources: [SecretSource] = []
        if reader.has("password") { sources.append(.inline(try reader.string("password") ?? "")) }
        if reader.has("passwordFile") {
            guard let p = try reader.string("passwordFile"), !p.isEmpty else { throw reader.fail("passwordFile", "must not be empty") }
            sources.append(.file(path: p))
        }
        if reader.has("passwordEnv") {
            guard let e = try reader.string("passwordEnv"), !e.isEmpty else { throw reader.fail("passwordEnv", "must not be empty") }
            sources.append(.environment(name: e))
        }
        if reader.has("passwordCredential") {
            guard let c = try reader.string("passwordCredential"), !c.isEmpty, !c.contains("/") else {
                throw reader.fail("passwordCredential", "must be a credential name (no '/')")
            }
            sources.append(.credential(name: c))
        }
        guard sources.count == 1 else {
            throw ConfigError(
                key: reader.path, line: reader.line,
                problem: sources.isEmpty
                    ? "needs one of password, passwordFile, passwordEnv or passwordCredential"
                    : "has more than one of password, passwordFile, passwordEnv and passwordCredential; keep exactly one")
        }
        var fields: [ShimConfig.SignInField] = []
        if let signIn = reader.node("signIn") {
            guard case .mapping(let mapping) = signIn else { throw reader.fail("signIn", "must be a mapping of sign-in body fields") }
            for (key, value) in mapping {
                let name = key.scalar?.string ?? ""
                let keyPath = "\(path).signIn.\(name)"
                guard !name.isEmpty else { throw ConfigError(key: "\(path).signIn", line: key.mark?.line, problem: "keys must be plain strings") }
                guard !reservedSignInFields.contains(name) else {
                    throw ConfigError(key: keyPath, line: key.mark?.line, problem: "is set from the agent's password/phone keys, not here")
                }
                guard case .scalar(let scalar) = value else {
                    throw ConfigError(key: keyPath, line: value.mark?.line, problem: "must be a string, number or boolean")
                }
                fields.append(.init(name: name, value: jsonValue(of: scalar)))
            }
        }
        let skills = try reader.node("skills").map { node throws(ConfigError) in try parseChoice(node, path: "\(path).skills") }
        return ShimConfig.Agent(id: id, phone: phone, password: sources[0], signIn: fields, keyPath: path, skills: skills)
    }

    /// A skill choice: a list of skill ids (`[3, 7]`; `[]` is "no queue"), `all` (every
    /// configured skill, `autoflag=true`), or a mapping `{skills: <list or all>, phoneLinkage: <bool>}`.
    static func parseChoice(_ node: Node, path: String) throws(ConfigError) -> SkillChoice {
        if case .mapping = node {
            let reader = try YAMLMappingReader(node, path: path, allowed: choiceKeys)
            var choice = try parseChoice(try reader.requireNode("skills"), path: "\(path).skills")
            choice.phoneLinkage = try reader.bool("phoneLinkage")
            return choice
        }
        if case .scalar(let scalar) = node, scalar.string == "all" { return SkillChoice(selection: .allConfigured) }
        let problem = "must be a list of skill ids such as [3, 7], or all"
        guard case .sequence(let list) = node else { throw ConfigError(key: path, line: node.mark?.line, problem: problem) }
        var ids: [Int64] = []
        for (index, item) in list.enumerated() {
            guard case .scalar(let scalar) = item, let id = Int64(scalar.string), id > 0 else {
                throw ConfigError(key: "\(path)[\(index)]", line: item.mark?.line, problem: "must be a positive skill id")
            }
            ids.append(id)
        }
        switch SkillSelection.validated(ids) {
        case .success(let selection): return SkillChoice(selection: selection)
        case .failure:
            throw ConfigError(key: path, line: node.mark?.line, problem: "joins to more than \(SkillSelection.maxSkillIDLength) characters")
        }
    }

    /// The token sources a mapping names: `<prefix>File`, `<prefix>Env`, `<prefix>Credential`.
    static func tokenSources(_ reader: YAMLMappingReader, prefix: String) throws(ConfigError) -> [SecretSource] {
        var sources: [SecretSource] = []
        for (suffix, make) in [
            ("File", SecretSource.file(path:)), ("Env", SecretSource.environment(name:)), ("Credential", SecretSource.credential(name:)),
        ]
        where reader.has(prefix + suffix) {
            guard let value = try reader.string(prefix + suffix), !value.isEmpty else { throw reader.fail(prefix + suffix, "must not be empty") }
            sources.append(make(value))
        }
        return sources
    }

    static func parseClient(_ node: Node, path: String) throws(ConfigError) -> ShimConfig.Client {
        let reader = try YAMLMappingReader(node, path: path, allowed: clientKeys)
        let name = try requireName(reader)
        let sources = try tokenSources(reader, prefix: "token")
        guard sources.count == 1 else {
            throw ConfigError(
                key: path, line: reader.line,
                problem: sources.isEmpty ? "needs one of tokenFile, tokenEnv or tokenCredential" : "has more than one token source; keep exactly one")
        }
        return ShimConfig.Client(name: name, token: sources[0], agents: try parseScope(reader), keyPath: path)
    }

    /// The required `name` of a mapping (a client, a webhook): it goes into logs and metrics.
    static func requireName(_ reader: YAMLMappingReader) throws(ConfigError) -> String {
        let name = try reader.requireString("name")
        guard name.count <= 64, name.allSatisfy({ $0.isLetter || $0.isNumber || "-_.".contains($0) }) else {
            throw reader.fail("name", "must be letters, digits, '-', '_' or '.' (at most 64)")
        }
        return name
    }

    /// The required `agents` of a mapping (a client, a webhook): ids, ranges like `"1000-1999"`, or `"*"`.
    static func parseScope(_ reader: YAMLMappingReader) throws(ConfigError) -> AgentScope {
        guard case .sequence(let list)? = reader.node("agents") else {
            throw ConfigError(
                key: reader.keyPath("agents"), line: reader.line, problem: "is required: a list of agent ids, ranges like \"1000-1999\", or \"*\"")
        }
        switch AgentScope.parse(list.map { $0.scalar?.string ?? "" }) {
        case .success(let scope): return scope
        case .failure(let error):
            throw ConfigError(
                key: "\(reader.keyPath("agents"))[\(error.index)]", line: list[error.index].mark?.line,
                problem: "must be an agent id (101–999999), a range like \"1000-1999\", or \"*\"")
        }
    }

    /// A plain YAML scalar as the JSON value the gateway expects; quoted scalars stay strings.
    static func jsonValue(of scalar: Node.Scalar) -> JSONValue {
        let text = scalar.string
        guard scalar.style == .plain else { return .string(text) }
        if text == "true" { return .bool(true) }
        if text == "false" { return .bool(false) }
        if let int = Int64(text), String(int) == text { return .integer(int) }
        return .string(text)
    }
}
