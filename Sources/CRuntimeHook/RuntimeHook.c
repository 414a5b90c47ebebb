#include "CRuntimeHook.h"

/// Defined by the Swift concurrency runtime (libswift_Concurrency), shared or static.
extern void *_Nullable swift_task_enqueueGlobal_hook;

void *_Nullable *_Nonnull ccgw_enqueue_global_hook_slot(void) {
    return &swift_task_enqueueGlobal_hook;
}
