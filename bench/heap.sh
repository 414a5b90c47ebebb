#!/usr/bin/env bash
# Where the bytes of held agents go: heaptrack records the release shim while it signs in
# N agents against the HTTPS simulator (10 s poll hold, rotation every 60 s) and holds them
# for STEADY seconds; then the shim is stopped and heaptrack_print lists the allocation
# sites still holding memory at the end (the peak is printed too), divided by N.
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
  rm -rf "$dir"
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
shim_pid=$(pgrep -f "ccgw-shim run --config $dir/shim.yaml" | head -1)
kill -TERM "$shim_pid"
for _ in $(seq 1 120); do kill -0 "$shim_pid" 2>/dev/null || break; sleep 0.5; done
sleep 2
file=$(ls "$dir"/heap*.zst "$dir"/heap*.gz 2>/dev/null | head -1)
heaptrack_print -f "$file" --print-leaks 1 --print-peaks 0 --print-allocators 0 --print-temporary 0 --merge-backtraces 1 \
  --print-histogram /dev/null > "$dir/leaks.txt" 2>/dev/null || true
# The summary lines (peak heap, total leaked at the end) and the top sites still holding memory.
grep -E "^(peak heap memory consumption|total memory leaked|peak RSS)" "$dir/leaks.txt" || true
python3 - "$dir/leaks.txt" "$agents" "$top" <<'PY'
import re, sys
path, agents, top = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
text = open(path, encoding="utf-8", errors="replace").read()
section = text.split("MEMORY LEAKS", 1)[-1]
units = {"B": 1, "K": 1e3, "M": 1e6, "G": 1e9}
rows = []
for block in re.split(r"\n(?=\S)", section):
    m = re.match(r"([\d.]+)([BKMG])? leaked over (\d+) calls from\n?(.*)", block, re.S)
    if not m:
        continue
    size = float(m.group(1)) * units.get(m.group(2) or "B", 1)
    frames = [l.strip() for l in m.group(4).splitlines() if l.strip()]
    rows.append((size, int(m.group(3)), frames))
rows.sort(key=lambda r: -r[0])
total = sum(r[0] for r in rows)
print(f"| bytes per agent | allocations per agent | share | where (first frames of the site) |")
print("|---|---|---|---|")
for size, calls, frames in rows[:top]:
    where = " ← ".join(f.split(" in ")[0][:70] for f in frames[:3]).replace("|", "\\|")
    print(f"| {size / agents:.0f} | {calls / agents:.1f} | {100 * size / total:.1f} % | {where} |")
print(f"\nheld at the end: {total / 1e6:.1f} MB in {len(rows)} sites, {total / agents:.0f} bytes per agent")
PY
