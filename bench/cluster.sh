#!/usr/bin/env bash
# A cluster of three shims (issue #11) in front of the Swift simulator over HTTPS, with a
# 3-member etcd, release build, in one run:
#  1. the added latency of a forwarded resetSkill against a direct one (p50/p99 over
#     REQUESTS sequential pairs, one keep-alive connection per member);
#  2. failover: kill -9 the member owning the most of AGENTS agents; the time until every
#     agent it owned answers 200 through the others, and the take-backs (forcelogin) counted
#     by the survivors' metrics.
# Writes the rows into docs/BENCHMARKS.md (between the CLUSTER markers).
#   bench/cluster.sh [AGENTS=300] [LEASE_TTL=5] [REQUESTS=2000]
set -euo pipefail
cd "$(dirname "$0")/.."
agents="${1:-300}"
ttl="${2:-5}"
requests="${3:-2000}"
first=500001

source bench/lib.sh
source scripts/cluster-lib.sh
bench_tools etcd:etcd-server curl:curl python3:python3
bench_prepare_agents "$agents"
dir=$(mktemp -d)
trap 'for pid in "${shim_pids[@]}"; do kill -9 "$pid" 2>/dev/null || true; done; cluster_stop; [ -n "${BENCH_KEEP:-}" ] && echo "logs kept in $dir" >&2 || rm -rf "$dir"' EXIT

cluster_start_etcd
cluster_start_sim "$bin/ccgw-sim" --agent-range "$first-$((first + agents - 1))" --poll-hold-ms 10000 --rotation-seconds 60
{
  echo "limits: {maxInFlight: $((agents + 1024))}"
  echo "agents:"
  for id in $(seq "$first" $((first + agents - 1))); do echo "  - {id: \"$id\", phone: \"$id\", password: password-$id}"; done
} > "$dir/agents.yaml"
ports=()
for member in shim-a shim-b shim-c; do
  port=$(cluster_free_port); ports+=("$port")
  cluster_start_shim "$bin/ccgw-shim" "$member" "$port" "$ttl" "$dir/agents.yaml" "signInAtStartup: true, signOutOnShutdown: false"
done
port_list=$(IFS=,; echo "${ports[*]}")

metric_sum() { # name: summed over the given ports
  local name=$1 total=0 v port; shift
  for port in "$@"; do
    v=$({ curl -fsS "http://127.0.0.1:$port/metrics" 2>/dev/null || true; } | awk -v n="$name" '$1 == n {print $2}')
    total=$(python3 -c "print(int($total + float('${v:-0}')))")
  done
  echo "$total"
}

echo "signing in $agents agents (claimRate 20/s per member)..." >&2
start=$(date +%s)
while [ "$(metric_sum ccgw_agents_signed_in "${ports[@]}")" -lt "$agents" ]; do
  [ $(( $(date +%s) - start )) -gt 300 ] && { echo "not all agents signed in after 5 minutes" >&2; exit 1; }
  sleep 1
done
signin_seconds=$(( $(date +%s) - start ))
sleep "$ttl"   # every member has read every owner

echo "latency: $requests direct and $requests forwarded requests..." >&2
latency=$(python3 bench/cluster_probe.py latency "$port_list" "$first" "$agents" "$requests")
echo "$latency" >&2

python3 bench/cluster_probe.py owners "${ports[0]}" "$first" "$agents" > "$dir/owners.json"
victim=$(python3 -c "import json,collections; o=json.load(open('$dir/owners.json')); print(collections.Counter(o.values()).most_common(1)[0][0])")
python3 -c "import json; o=json.load(open('$dir/owners.json')); print('\n'.join(a for a, m in o.items() if m == '$victim'))" > "$dir/moved.txt"
moved=$(wc -l < "$dir/moved.txt")
survivors=()
index=0
for member in shim-a shim-b shim-c; do
  if [ "$member" = "$victim" ]; then victim_pid=${shim_pids[$index]}; else survivors+=("${ports[$index]}"); fi
  index=$((index + 1))
done
taken_before=$(metric_sum 'ccgw_sign_ins_total{result="taken_back"}' "${survivors[@]}")
echo "failover: kill -9 $victim ($moved agents)..." >&2
kill -9 "$victim_pid"
failover=$(python3 bench/cluster_probe.py failover "$(IFS=,; echo "${survivors[*]}")" "$dir/moved.txt")
echo "$failover" >&2
sleep 2
taken=$(( $(metric_sum 'ccgw_sign_ins_total{result="taken_back"}' "${survivors[@]}") - taken_before ))

read -r d50 d99 f50 f99 a50 a99 errors <<<"$(python3 -c "
import json; r=json.loads('$latency')
print(r['direct']['p50_ms'], r['direct']['p99_ms'], r['forwarded']['p50_ms'], r['forwarded']['p99_ms'], r['added_p50_ms'], r['added_p99_ms'], r['errors'])")"
read -r seconds failed <<<"$(python3 -c "import json; r=json.loads('$failover'); print(r['seconds'], r['failed'])")"
rows=$(cat <<ROWS
| measure ($agents agents, 3 members, leaseTTL ${ttl}s, $(date -u +%Y-%m-%d)) | figure |
|---|---|
| start-up: all agents claimed and signed in (claimRate 20/s per member) | ${signin_seconds} s |
| resetSkill direct to the owner, p50 / p99 | ${d50} / ${d99} ms |
| resetSkill forwarded once, p50 / p99 | ${f50} / ${f99} ms |
| added by forwarding, p50 / p99 | ${a50} / ${a99} ms ($errors errors in $((requests * 2)) requests) |
| kill -9 of the busiest member: its agents | $moved |
| until every one of them answered 200 through the others | ${seconds} s ($failed still failing) |
| take-backs (forcelogin of the cluster's own session) by the survivors | $taken |
ROWS
)
echo "$rows"
python3 - "$rows" <<'PY'
import re, sys
path = "docs/BENCHMARKS.md"
text = open(path).read()
block = "<!-- CLUSTER:BEGIN -->\n" + sys.argv[1] + "\n<!-- CLUSTER:END -->"
if "<!-- CLUSTER:BEGIN -->" in text:
    text = re.sub(r"<!-- CLUSTER:BEGIN -->.*?<!-- CLUSTER:END -->", lambda _: block, text, flags=re.S)
else:
    text += "\n## Cluster (bench/cluster.sh)\n\n" + block + "\n"
open(path, "w").write(text)
PY
