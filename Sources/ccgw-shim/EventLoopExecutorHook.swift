import CRuntimeHook
import NIOCore
import NIOPosix

/// Makes Swift concurrency run its global jobs on NIO's singleton event loops, so a
/// request's handler, its agent's actor and the gateway connection share a thread
/// instead of handing work between two pools (docs/BENCHMARKS.md).
///
/// NIO's own installer finds the runtime's hook with `dlsym`, which works when the Swift
/// runtime is a shared library. The shim ships built with `--static-swift-stdlib`, where
/// the runtime is linked in and the hook is a hidden symbol `dlsym` cannot see; the
/// linker can still resolve it (`CRuntimeHook`), so then the hook is set here instead:
/// each job goes to the event loop of the calling thread, or to the next one from a
/// thread outside the group, as NIO's installer does.
enum EventLoopExecutorHook {
    typealias Original = @convention(thin) (UnownedJob) -> Void
    typealias Hook = @convention(thin) (UnownedJob, Original) -> Void

    /// Installs the hook; true when jobs now run on the event loops. Call once, first
    /// thing in `main`, before any task is enqueued.
    static func install() -> Bool {
        if NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor() { return true }
        let slot = ccgw_enqueue_global_hook_slot()
        guard slot.pointee == nil else { return false }  // someone else's hook: leave it
        let hook: Hook = { job, _ in
            MultiThreadedEventLoopGroup.singleton.any().enqueue(ExecutorJob(job))
        }
        slot.pointee = unsafeBitCast(hook, to: UnsafeMutableRawPointer.self)
        return true
    }
}
