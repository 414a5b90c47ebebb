import ArgumentParser
import Foundation
import NIOCore
import NIOPosix

/// The process entry point: two things that must happen before any other code runs.
@main
enum Main {
    static func main() async {
        // A SIGHUP before the reload handler is installed must not kill the daemon
        // (systemd's ExecReload can race start-up); `run` installs the real handler.
        signal(SIGHUP, SIG_IGN)
        // A closed stdout must lose log lines, not stop the daemon (`LogSink`).
        signal(SIGPIPE, SIG_IGN)
        // Swift concurrency's jobs run on NIO's event loops instead of a separate
        // thread pool, so a request's handler, its agent's actor and the gateway
        // connection share a thread instead of handing off between pools: this
        // removed a third of the shim's CPU in the benchmarks (docs/BENCHMARKS.md).
        // It must happen before any task is enqueued on the global executor
        // (`EventLoopExecutorHook`, which also covers --static-swift-stdlib builds).
        _ = concurrencyOnEventLoops
        await CCGWShim.main()
    }

    /// Whether Swift concurrency runs on NIO's event loops (see `main`); false where
    /// the runtime offers no hook, and then everything works as usual, with more thread hops.
    static let concurrencyOnEventLoops = EventLoopExecutorHook.install()
}
