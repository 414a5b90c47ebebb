#!/usr/bin/env bash
# Bulk reset timing: one POST /v1/reset-skill with N agents against the Swift CC-Gateway
# simulator (HTTPS, private CA), the shim (release) in front. The agents are signed in
# first (signInAtStartup), so the figure is the resets alone; a second run with fresh
# agents (SIGN_IN_TOO=1) includes each agent's sign-in. Prints the wall time of the call
# and its status counts for each bulk.ratePerSecond/concurrency given.
#   bench/bulk.sh N [RATE=50] [CONCURRENCY=8]
set -euo pipefail
cd "$(dirname "$0")/.."
agents="${1:?usage: bench/bulk.sh N [RATE] [CONCURRENCY]}"
rate="${2:-50}"
concurrency="${3:-8}"
first=300001
last=$((first + agents - 1))

source bench/lib.sh
bench_prepare_agents "$agents"

dir=$(mktemp -d)
shim_port=$(bench_free_port)
bench_start_sim "$first" "$last"
signin=true
[ -n "${SIGN_IN_TOO:-}" ] && signin=false
{
  echo "listen: {host: 127.0.0.1, port: $shim_port}"
  echo "gateway: {url: \"https://127.0.0.1:$sim_port\", authMode: dynamic, caFile: \"$dir/ca.pem\", requestTimeout: 30s}"
  echo "sessions: {signInAtStartup: $signin}"
  echo "bulk: {ratePerSecond: $rate, concurrency: $concurrency}"
  echo "limits: {maxInFlight: $((agents + 1024))}"
  bench_agent_lines "$first" "$last"
  echo "logging: {level: notice, format: json}"
} > "$dir/shim.yaml"
cleanup() {
  kill "${shim_pid:-}" 2>/dev/null && wait "${shim_pid:-}" 2>/dev/null || true
  kill "$sim_pid" 2>/dev/null || true
  rm -rf "$dir"
}
trap cleanup EXIT
"$bin/ccgw-shim" run --config "$dir/shim.yaml" > "$dir/shim.log" 2>&1 &
shim_pid=$!
signed_in() { curl -fsS "http://127.0.0.1:$shim_port/metrics" 2>/dev/null | awk '/^ccgw_agents_signed_in / {print int($2)}'; }
for _ in $(seq 1 600); do curl -fsS "http://127.0.0.1:$shim_port/healthz" >/dev/null 2>&1 && break; sleep 0.5; done
if [ "$signin" = true ]; then
  echo "signing in $agents agents..." >&2
  for _ in $(seq 1 1200); do [ "$(signed_in || echo 0)" -ge "$agents" ] && break; sleep 0.5; done
  sleep 5
fi
python3 - "$first" "$last" > "$dir/bulk.json" <<'PY'
import json, sys
first, last = int(sys.argv[1]), int(sys.argv[2])
print(json.dumps({"agents": [{"agentId": str(i), "skills": [1, 2]} for i in range(first, last + 1)]}))
PY
start_ns=$(date +%s%N)
curl -fsS -m 3600 -H 'Content-Type: application/json' --data-binary "@$dir/bulk.json" \
  "http://127.0.0.1:$shim_port/v1/reset-skill" > "$dir/answer.json"
elapsed=$(python3 -c "print('%.1f' % (($(date +%s%N) - $start_ns) / 1e9))")
summary=$(python3 -c "
import json, collections
a = json.load(open('$dir/answer.json'))
c = collections.Counter(r['status'] for r in a['results'])
print(' '.join(f'{k}:{v}' for k, v in sorted(c.items())))")
echo "bulk of $agents agents (sign-ins before: $signin), ratePerSecond $rate, concurrency $concurrency: ${elapsed} s; statuses $summary"
