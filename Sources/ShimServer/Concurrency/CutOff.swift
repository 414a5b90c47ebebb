/// Why `withDeadline` stopped a request before it finished.
enum CutOff: Error, Equatable {
    /// The request's time budget (`gateway.requestTimeout`) ran out.
    case deadline
    /// Shutdown's drain time (`shutdown.timeout`) ran out.
    case drain
}
