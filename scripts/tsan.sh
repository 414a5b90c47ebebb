#!/usr/bin/env bash
# Runs the whole suite under ThreadSanitizer, in its own build folder (a second
# full build of the dependency graph: about 10 minutes on 2 cores).
#   scripts/tsan.sh [swift test filter]
set -euo pipefail
cd "$(dirname "$0")/.."
args=(--sanitize=thread --scratch-path .build-tsan)
[ $# -gt 0 ] && args+=(--filter "$1")
TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1" swift test "${args[@]}"
