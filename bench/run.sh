#!/usr/bin/env bash
# Side-by-side benchmark on loopback: wrk straight at a fast fake gateway (direct),
# through an nginx reverse proxy that pins a Guid (nginx), and through ccgw-shim
# (shim, release build, 64 agents, info logging). Interleaved rounds; prints one
# summary table and writes it to docs/BENCHMARKS.md (between the BENCH markers).
#   bench/run.sh [ROUNDS=3] [SECONDS=10]
set -euo pipefail
cd "$(dirname "$0")/.."
rounds="${1:-3}"
seconds="${2:-10}"
connections=64
agents=64

source bench/lib.sh
bench_tools nginx:nginx-light wrk:wrk hey:hey
bench_build
bench_start "$agents"

# CPU seconds (user+system) of a set of pids; peak RSS (VmHWM, KiB) of a set of pids.
cpu_of() { local t=0; for p in "$@"; do read -r -a f < "/proc/$p/stat"; t=$((t + f[13] + f[14])); done; echo "$t"; }
hwm_of() { local m=0; for p in "$@"; do v=$(awk '/VmHWM/ {print $2}' "/proc/$p/status"); [ "$v" -gt "$m" ] && m=$v; done; echo "$m"; }
tick=$(getconf CLK_TCK)

declare -A rps p50 p99 cpu reqs
run_one() {  # name url mode pids...
  local name=$1 url=$2 mode=$3; shift 3
  local before after out
  before=$(cpu_of "$@")
  out=$(AGENTS=$agents MODE=$mode wrk -t2 -c$connections -d"${seconds}s" -s bench/wrk/reset-skill.lua "$url" | grep RESULT)
  after=$(cpu_of "$@")
  local r p5 p9 e n
  r=$(sed -E 's/.*rps=([0-9.]+).*/\1/' <<<"$out"); p5=$(sed -E 's/.*p50_ms=([0-9.]+).*/\1/' <<<"$out")
  p9=$(sed -E 's/.*p99_ms=([0-9.]+).*/\1/' <<<"$out"); e=$(sed -E 's/.*errors=([0-9]+).*/\1/' <<<"$out"); n=$(sed -E 's/.*non2xx=([0-9]+).*/\1/' <<<"$out")
  [ "$e" = 0 ] && [ "$n" = 0 ] || echo "warning: $name had $e socket errors and $n non-2xx answers" >&2
  rps[$name]+="$r "; p50[$name]+="$p5 "; p99[$name]+="$p9 "
  cpu[$name]+="$(python3 -c "print(($after - $before) / $tick)") "; reqs[$name]+="$(python3 -c "print($r * $seconds)") "
}
for round in $(seq 1 "$rounds"); do
  echo "round $round/$rounds" >&2
  run_one direct "http://127.0.0.1:$fake_port" direct $fake_pids
  run_one nginx "http://127.0.0.1:$proxy_port" proxy $proxy_pids
  run_one shim "http://127.0.0.1:$shim_port" shim "$shim_pid"
  run_one healthz "http://127.0.0.1:$shim_port" healthz "$shim_pid"
done

# Added p99 at a fixed 2,000 requests/s: 40 hey processes, one caller per agent at 50 req/s
# each, their per-request latencies merged (hey -o csv) before taking the p99. One caller
# per agent because the shim sends one resetskill per agent at a time (a second call for
# the same agent waits for the first's answer: PROTOCOL.md §7, 000-007); callers that
# fire at the same agent in lock-step would measure that queue, not the shim's overhead.
fixed_p99() {  # kind
  local kind=$1 out="$dir/hey-$1"; mkdir -p "$out"
  for i in $(seq 0 39); do
    local id=$((1001 + i))
    if [ "$kind" = direct ]; then
      hey -z "${seconds}s" -c 1 -q 50 -m POST -o csv -H "Guid: 5c1f0d2e-8a77-4b1e-9d0c-3e2a6b7f9a10.AgentGateway0" \
        "http://127.0.0.1:$fake_port/agentgateway/resource/onlineagent/$id/resetskill/false?skillid=1;2" > "$out/$i.csv" &
    else
      hey -z "${seconds}s" -c 1 -q 50 -m POST -o csv -T application/json -d '{"skills":[1,2]}' \
        "http://127.0.0.1:$shim_port/v1/agents/$id/reset-skill" > "$out/$i.csv" &
    fi
  done
  wait
  python3 - "$out" <<'PY'
import csv, glob, sys
times = []
for path in glob.glob(sys.argv[1] + "/*.csv"):
    with open(path) as f:
        for row in csv.DictReader(f):
            times.append(float(row["response-time"]) * 1000)
times.sort()
print("%.2f" % times[int(len(times) * 0.99) - 1] if times else "nan")
PY
}
direct_fixed=$(fixed_p99 direct)
shim_fixed=$(fixed_p99 shim)
# The same rate from one wrk process (40 connections, each pausing 20 ms between requests,
# over 64 agents): 40 hey processes load the 2 cores themselves, which shows in every p99.
paced_p99() {  # mode url
  MODE=$1 AGENTS=$agents PACE_MS=20 wrk -t2 -c40 -d"${seconds}s" -s bench/wrk/paced.lua "$2" | grep RESULT | sed -E 's/.*p99_ms=([0-9.]+).*/\1/'
}
direct_paced=$(paced_p99 direct "http://127.0.0.1:$fake_port")
shim_paced=$(paced_p99 shim "http://127.0.0.1:$shim_port")
shim_hwm=$(hwm_of "$shim_pid"); proxy_hwm=$(hwm_of $proxy_pids); fake_hwm=$(hwm_of $fake_pids)

# Start to /healthz and idle RSS with 10 agents.
{
  echo "listen: {host: 127.0.0.1, port: $(bench_free_port)}"
  echo "gateway: {url: \"http://127.0.0.1:$fake_port\", authMode: dynamic}"
  echo "agents:"
  for i in $(seq 0 9); do echo "  - {id: \"$((2001 + i))\", phone: \"7$((2001 + i))\", password: bench}"; done
} > "$dir/idle.yaml"
idle_port=$(awk -F'port: ' '/^listen/ {print $2}' "$dir/idle.yaml" | tr -d '}')
start_ns=$(date +%s%N)
"$shim_bin" run --config "$dir/idle.yaml" > /dev/null 2>&1 &
idle_pid=$!
until curl -fsS "http://127.0.0.1:$idle_port/healthz" >/dev/null 2>&1; do sleep 0.002; done
ready_ms=$(( ($(date +%s%N) - start_ns) / 1000000 ))
sleep 3
idle_rss=$(awk '/VmRSS/ {print $2}' "/proc/$idle_pid/status")
kill "$idle_pid"; wait "$idle_pid" 2>/dev/null || true

median() { python3 -c "import statistics,sys; print('%.2f' % statistics.median([float(x) for x in sys.argv[1:]]))" $1; }
per10k() { python3 -c "import sys; c=[float(x) for x in sys.argv[1].split()]; r=[float(x) for x in sys.argv[2].split()]; print('%.2f' % (sum(c) / sum(r) * 10000))" "$1" "$2"; }
table=$(
  echo "| target | req/s (median) | p50 ms | p99 ms | CPU s / 10k req | peak RSS MiB |"
  echo "|---|---|---|---|---|---|"
  echo "| direct (fake gateway) | $(median "${rps[direct]}") | $(median "${p50[direct]}") | $(median "${p99[direct]}") | $(per10k "${cpu[direct]}" "${reqs[direct]}") | $((fake_hwm / 1024)) |"
  echo "| nginx proxy | $(median "${rps[nginx]}") | $(median "${p50[nginx]}") | $(median "${p99[nginx]}") | $(per10k "${cpu[nginx]}" "${reqs[nginx]}") | $((proxy_hwm / 1024)) |"
  echo "| ccgw-shim | $(median "${rps[shim]}") | $(median "${p50[shim]}") | $(median "${p99[shim]}") | $(per10k "${cpu[shim]}" "${reqs[shim]}") | $((shim_hwm / 1024)) |"
  echo "| ccgw-shim GET /healthz (HTTP server alone, no forwarding) | $(median "${rps[healthz]}") | $(median "${p50[healthz]}") | $(median "${p99[healthz]}") | $(per10k "${cpu[healthz]}" "${reqs[healthz]}") | |"
  echo
  echo "- throughput shim / nginx: $(python3 -c "print('%.2f' % ($(median "${rps[shim]}") / $(median "${rps[nginx]}")))")"
  echo "- p99 at a fixed 2,000 req/s, hey (40 processes, one caller per agent): direct ${direct_fixed} ms, shim ${shim_fixed} ms, added $(python3 -c "print('%.2f' % ($shim_fixed - $direct_fixed))") ms"
  echo "- p99 at a fixed ~2,000 req/s, one paced wrk (40 connections x 50 req/s): direct ${direct_paced} ms, shim ${shim_paced} ms, added $(python3 -c "print('%.2f' % ($shim_paced - $direct_paced))") ms"
  echo "- start to /healthz 200: ${ready_ms} ms; idle RSS with 10 agents: $((idle_rss / 1024)) MiB"
  echo "- $rounds interleaved rounds of ${seconds} s, wrk -t2 -c$connections, $agents agents, release build with --static-swift-stdlib; $(nproc) cores, $(free -g | awk '/Mem/ {print $2}') GiB; $(swift --version 2>&1 | head -1); $(nginx -v 2>&1); wrk $(wrk -v 2>&1 | head -1 | awk '{print $2}')"
)
echo "$table"
python3 - "$table" <<'PY'
import sys, re, pathlib
path = pathlib.Path("docs/BENCHMARKS.md")
text = path.read_text() if path.exists() else "# Benchmarks\n\n<!-- BENCH:BEGIN -->\n<!-- BENCH:END -->\n"
block = "<!-- BENCH:BEGIN -->\n" + sys.argv[1] + "\n<!-- BENCH:END -->"
text = re.sub(r"<!-- BENCH:BEGIN -->.*?<!-- BENCH:END -->", lambda m: block, text, flags=re.S)
path.write_text(text)
PY
