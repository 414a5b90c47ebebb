#!/usr/bin/env bash
# Agent scale: ccgw-shim (release) manages N agents against the Swift CC-Gateway simulator
# (HTTPS with its private CA, dynamic GUIDs rotating every 60 s, 10 s long-poll hold).
# PLAIN_HTTP=1 runs both over plain HTTP instead (to see what TLS costs).
# After all N are signed in and a minute of steady state has passed, reports the shim's
# RSS, CPU % of one core, open gateway connections and the p99 of resetSkill calls issued
# during that minute; writes the row into docs/BENCHMARKS.md (between the AGENTS markers).
#   bench/agents.sh N [STEADY_SECONDS=60]
set -euo pipefail
cd "$(dirname "$0")/.."
agents="${1:?usage: bench/agents.sh N [STEADY_SECONDS]}"
steady="${2:-60}"
first=200001
last=$((first + agents - 1))

source bench/lib.sh
bench_tools hey:hey
bench_prepare_agents "$agents"

dir=$(mktemp -d)
shim_port=$(bench_free_port)
bench_start_sim "$first" "$last" ${PLAIN_HTTP:+--plain-http}
{
  echo "listen: {host: 127.0.0.1, port: $shim_port}"
  if [ -n "${PLAIN_HTTP:-}" ]; then
    echo "gateway: {url: \"http://127.0.0.1:$sim_port\", authMode: dynamic}"
  else
    echo "gateway: {url: \"https://127.0.0.1:$sim_port\", authMode: dynamic, caFile: \"$dir/ca.pem\"}"
  fi
  echo "sessions: {signInAtStartup: true}"
  echo "limits: {maxInFlight: $((agents + 1024))}"
  bench_agent_lines "$first" "$last"
  echo "logging: {level: info, format: json}"
} > "$dir/shim.yaml"

cleanup() {
  kill "${shim_pid:-}" 2>/dev/null && wait "${shim_pid:-}" 2>/dev/null || true
  kill "$sim_pid" 2>/dev/null || true
  rm -rf "$dir"
}
trap cleanup EXIT
start_ns=$(date +%s%N)
"$bin/ccgw-shim" run --config "$dir/shim.yaml" > "$dir/shim.log" 2>&1 &
shim_pid=$!
signed_in() { curl -fsS "http://127.0.0.1:$shim_port/metrics" 2>/dev/null | awk '/^ccgw_agents_signed_in / {print int($2)}'; }
echo "signing in $agents agents..." >&2
while :; do
  n=$(signed_in || true)
  [ "${n:-0}" -ge "$agents" ] && break
  kill -0 "$shim_pid" 2>/dev/null || { echo "the shim exited:" >&2; tail -5 "$dir/shim.log" >&2; exit 1; }
  [ $(( ($(date +%s%N) - start_ns) / 1000000000 )) -gt 600 ] && { echo "only ${n:-0}/$agents signed in after 10 minutes" >&2; exit 1; }
  sleep 1
done
signin_s=$(python3 -c "print('%.1f' % (($(date +%s%N) - $start_ns) / 1e9))")
echo "all signed in after ${signin_s} s; settling 15 s, then $steady s of steady state" >&2
sleep 15

cpu_ticks() { read -r -a f < "/proc/$shim_pid/stat"; echo $((f[13] + f[14])); }
tick=$(getconf CLK_TCK)
before=$(cpu_ticks)
errors_before=$(grep -c '"level":"warning"\|"level":"error"' "$dir/shim.log" || true)
# resetSkill calls meanwhile: 4 agents spread over the range, 5 calls/s each (20/s), merged for the p99.
hey_pids=()
for i in 0 1 2 3; do
  id=$((first + i * agents / 4))
  hey -z "${steady}s" -c 1 -q 5 -m POST -o csv -T application/json -d '{"skills":[1,2]}' \
    "http://127.0.0.1:$shim_port/v1/agents/$id/reset-skill" > "$dir/hey-$i.csv" &
  hey_pids+=($!)
done
wait "${hey_pids[@]}"
after=$(cpu_ticks)
rss_kib=$(awk '/VmRSS/ {print $2}' "/proc/$shim_pid/status")
hwm_kib=$(awk '/VmHWM/ {print $2}' "/proc/$shim_pid/status")
threads=$(awk '/Threads/ {print $2}' "/proc/$shim_pid/status")
still=$(signed_in || echo 0)
errors_after=$(grep -c '"level":"warning"\|"level":"error"' "$dir/shim.log" || true)
# Established connections to the simulator's port (only the shim talks to it).
conns=$(python3 - "$sim_port" <<'PY'
import sys
port = int(sys.argv[1]); n = 0
for table in ("/proc/net/tcp", "/proc/net/tcp6"):
    try:
        rows = open(table).read().splitlines()[1:]
    except OSError:
        continue
    for row in rows:
        f = row.split()
        if f[3] == "01" and int(f[2].split(":")[1], 16) == port:
            n += 1
print(n)
PY
)
read -r calls p50 p99 non200 < <(python3 - "$dir" <<'PY'
import csv, glob, sys
times, bad = [], 0
for path in glob.glob(sys.argv[1] + "/hey-*.csv"):
    with open(path) as f:
        for row in csv.DictReader(f):
            times.append(float(row["response-time"]) * 1000)
            bad += row["status-code"] != "200"
times.sort()
pick = lambda q: "%.2f" % times[max(0, int(len(times) * q) - 1)] if times else "nan"
print(len(times), pick(0.5), pick(0.99), bad)
PY
)
cpu_pct=$(python3 -c "print('%.1f' % (($after - $before) / $tick / $steady * 100))")
row="| $agents | ${signin_s} s | $((rss_kib / 1024)) | $((hwm_kib / 1024)) | $cpu_pct | $conns | $threads | $calls ($non200 not 200) | $p50 | $p99 | $still | $((errors_after - errors_before)) |"
echo "| agents | all signed in after | RSS MiB | peak RSS MiB | CPU % of one core | gateway connections | threads | resetSkill calls | p50 ms | p99 ms | signed in at the end | warnings in the minute |"
echo "|---|---|---|---|---|---|---|---|---|---|---|---|"
echo "$row"
on_loops=$(grep -o '"concurrency.on_event_loops":"[a-z]*"' "$dir/shim.log" | head -1 | cut -d'"' -f4)
python3 - "$agents" "$row" "concurrency on the event loops: ${on_loops:-unknown}; $(nproc) cores, $(free -g | awk '/Mem/ {print $2}') GiB, $(swift --version 2>&1 | head -1), steady state ${steady} s" <<'PY'
import sys, re, pathlib
n, row, machine = sys.argv[1], sys.argv[2], sys.argv[3]
path = pathlib.Path("docs/BENCHMARKS.md")
text = path.read_text()
head = ("| agents | all signed in after | RSS MiB | peak RSS MiB | CPU % of one core | gateway connections | threads "
        "| resetSkill calls | p50 ms | p99 ms | signed in at the end | warnings in the minute |\n|---|---|---|---|---|---|---|---|---|---|---|---|")
match = re.search(r"<!-- AGENTS:BEGIN -->\n(.*?)<!-- AGENTS:END -->", text, flags=re.S)
rows = {}
if match:
    for line in match.group(1).splitlines():
        cells = [c.strip() for c in line.strip("|").split("|")]
        if cells and cells[0].isdigit():
            rows[int(cells[0])] = line
rows[int(n)] = row
block = "<!-- AGENTS:BEGIN -->\n" + head + "\n" + "\n".join(rows[k] for k in sorted(rows)) + "\n\n- " + machine + "\n<!-- AGENTS:END -->"
if match:
    text = text[:match.start()] + block + text[match.end():]
else:
    text += "\n## Agent scale (`bench/agents.sh N`)\n\n" + block + "\n"
path.write_text(text)
PY
