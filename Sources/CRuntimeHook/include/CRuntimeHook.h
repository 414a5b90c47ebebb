#ifndef CRUNTIMEHOOK_H
#define CRUNTIMEHOOK_H

/// The address of the Swift runtime's global-enqueue hook (`swift_task_enqueueGlobal_hook`),
/// resolved by the linker rather than by dlsym: with --static-swift-stdlib the runtime is
/// linked into the executable and the hook is not in its dynamic symbol table, so
/// `dlsym` (which NIO's installer uses) cannot find it. See Sources/ccgw-shim/Main.swift.
void *_Nullable *_Nonnull ccgw_enqueue_global_hook_slot(void);

#endif
