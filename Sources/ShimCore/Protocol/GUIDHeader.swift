/// Reads the session GUID that the gateway hands out in response headers.
///
/// Sign-in, forced sign-in and (under AUTHMODE 2) event polls answer with
/// `Set-GUID: JSESSIONID=<guid>`; the GUID is everything after `JSESSIONID=`
/// (PROTOCOL.md §2.1, §3.2; pitfall 3 in §8). Some builds send a plain `Guid`
/// header instead (§2.1, pitfall 4), so it is the fallback.
public enum GUIDHeader {
    static let prefix = "JSESSIONID="

    /// The GUID carried by a `Set-GUID` value, or nil if the value holds none.
    public static func parseSetGUID(_ value: String) -> String? {
        var text = Substring(value).trimmingWhitespace()
        // Tolerate attributes after the value, cookie-style (`JSESSIONID=x; Path=/`).
        if let semicolon = text.firstIndex(of: ";") { text = text[..<semicolon].trimmingWhitespace() }
        if text.hasPrefix(prefix) { text = text.dropFirst(prefix.count) }
        return text.isEmpty || text.contains("=") ? nil : String(text)
    }

    /// Picks the GUID from a response's headers: `Set-GUID` first, then `Guid`.
    /// `headers` yields (name, value) pairs; names compare case-insensitively.
    public static func guid(in headers: some Sequence<(name: String, value: String)>) -> String? {
        var fallback: String?
        for (name, value) in headers {
            let length = name.utf8.count
            guard length == 8 || length == 4 else { continue }  // "set-guid", "guid": skip the rest unexamined
            let lower = name.lowercased()
            if lower == "set-guid", let guid = parseSetGUID(value) { return guid }
            if lower == "guid", fallback == nil {
                let trimmed = Substring(value).trimmingWhitespace()
                if !trimmed.isEmpty { fallback = String(trimmed) }
            }
        }
        return fallback
    }
}

extension Substring {
    func trimmingWhitespace() -> Substring {
        var s = self
        while let first = s.first, first == " " || first == "\t" { s = s.dropFirst() }
        while let last = s.last, last == " " || last == "\t" { s = s.dropLast() }
        return s
    }
}
