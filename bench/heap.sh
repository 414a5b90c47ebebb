#!/usr/bin/env bash
# Where the bytes of held agents go: heaptrack records the release shim while it signs in
# N agents against the HTTPS simulator (10 s poll hold, rotation every 60 s) and holds them
# for STEADY seconds; then the shim is killed (SIGKILL: heaptrack keeps what it recorded, so
# what is "leaked" is what the running shim held) and heaptrack_print's allocation sites are
# listed per agent, each named by its first frames outside buffers and collections.
# BENCH_KEEP=1 keeps the recording.
# Installs heaptrack when missing.
#   bench/heap.sh [N=10000] [STEADY=30] [TOP=25]
set -euo pipefail
cd "$(dirname "$0")/.."
agents="${1:-10000}"
steady="${2:-30}"
top="${3:-25}"
first=200001
last=$((first + agents - 1))

source bench/lib.sh
bench_tools heaptrack:heaptrack
bench_prepare_agents "$agents"

dir=$(mktemp -d)
shim_port=$(bench_free_port)
bench_start_sim "$first" "$last"
{
  echo "listen: {host: 127.0.0.1, port: $shim_port}"
  echo "gateway: {url: \"https://127.0.0.1:$sim_port\", authMode: dynamic, caFile: \"$dir/ca.pem\"}"
  echo "sessions: {signInAtStartup: true, signOutOnShutdown: false}"
  echo "limits: {maxInFlight: $((agents + 1024))}"
  bench_agent_lines "$first" "$last"
  echo "logging: {level: warning, format: json}"
} > "$dir/shim.yaml"
cleanup() {
  kill "${shim_pid:-}" 2>/dev/null || true
  kill "$sim_pid" 2>/dev/null || true
  [ -n "${BENCH_KEEP:-}" ] && echo "kept $dir" >&2 || rm -rf "$dir"
}
trap cleanup EXIT
heaptrack -o "$dir/heap" "$bin/ccgw-shim" run --config "$dir/shim.yaml" > "$dir/shim.log" 2>&1 &
signed_in() { curl -fsS "http://127.0.0.1:$shim_port/metrics" 2>/dev/null | awk '/^ccgw_agents_signed_in / {print int($2)}'; }
start=$(date +%s)
while :; do
  n=$(signed_in || true)
  [ "${n:-0}" -ge "$agents" ] && break
  [ $(($(date +%s) - start)) -gt 900 ] && { echo "only ${n:-0}/$agents signed in after 15 minutes" >&2; tail -5 "$dir/shim.log" >&2; exit 1; }
  sleep 2
done
echo "all $agents signed in after $(($(date +%s) - start)) s (under heaptrack); holding them for $steady s" >&2
sleep "$steady"
# The shim itself, not the heaptrack wrapper whose command line names it too.
shim_pid=""
for pid in $(pgrep -f "ccgw-shim run --config $dir/shim.yaml"); do
  [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = ccgw-shim ] && shim_pid=$pid
done
[ -n "$shim_pid" ] || { echo "the shim is not running:" >&2; tail -5 "$dir/shim.log" >&2; exit 1; }
kill -KILL "$shim_pid"  # heaptrack keeps what was recorded: what is held now
for _ in $(seq 1 120); do kill -0 "$shim_pid" 2>/dev/null || break; sleep 0.5; done
sleep 2
file=$(ls "$dir"/heap.* 2>/dev/null | head -1 || true)
heaptrack_print -f "$file" --print-leaks 1 --print-peaks 0 --print-allocators 0 --print-temporary 0 -n 60 -s 8 \
  > "$dir/leaks.txt" 2>/dev/null || true
grep -E "^(peak heap memory consumption|peak RSS|total memory leaked)" "$dir/leaks.txt" || true
kill "$sim_pid" 2>/dev/null || true
python3 bench/heap_table.py "$dir/leaks.txt" "$agents" "$top"
