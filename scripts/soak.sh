#!/usr/bin/env bash
# Fault-injection soak: the real shim binary in front of the simulator in chaos
# mode (GUID rotation every 200 ms, injected 000-003/100-006/100-007/000-004,
# connection resets, slow answers, displacement), 32 concurrent callers over
# 16 agents, for DURATION seconds (default 60). Checks the invariants and prints
# the figures (requests, statuses, GUID states at the gateway, RSS).
#   scripts/soak.sh [DURATION_SECONDS]
set -euo pipefail
cd "$(dirname "$0")/.."
SOAK_SECONDS="${1:-60}" swift test --filter SoakTests 2>&1 | grep -E "soak:|✔|✘|error:"
