import HTTPTypes

/// The (method, path pattern) pairs a listener serves, where `{name}` matches one
/// path segment. Used to tell "wrong method" (405) from "no such path" (404).
struct RouteTable: Sendable {
    private let routes: [(method: HTTPRequest.Method, segments: [Substring])]

    init(_ routes: [(method: HTTPRequest.Method, path: String)]) {
        self.routes = routes.map { ($0.method, $0.path.split(separator: "/")) }
    }

    /// The method a path is served with, if the path is known.
    func allowedMethod(for path: String) -> HTTPRequest.Method? {
        let segments = path.split(separator: "/")
        return routes.first { route in
            route.segments.count == segments.count
                && zip(route.segments, segments).allSatisfy { pattern, segment in pattern.first == "{" || pattern == segment }
        }?.method
    }
}
