#!/usr/bin/env bash
# Saved sessions (issue #10), against the Swift CC-Gateway simulator over HTTPS (dynamic
# GUIDs rotating every 60 s as on a real gateway, 10 s long-poll hold):
#  1. What saving costs at SAVE_AGENTS agents: the shim's CPU over STEADY seconds of steady
#     state with a state directory and without one (same load), the writes per second, the
#     file's size and the time one write takes (encode + write + fsync + rename).
#  2. A planned restart of RESUME_AGENTS agents (SIGTERM with signOutOnShutdown: false, then
#     start again): time from start to every agent answering 200 to a resetSkill, and to the
#     "sessions resumed" line (every resumed session's first poll answered), sign-ins after
#     the restart (expected 0).
# Writes the rows into docs/BENCHMARKS.md (between the STATE markers).
#   bench/state.sh [SAVE_AGENTS=10000] [RESUME_AGENTS=1000] [STEADY_SECONDS=60]
set -euo pipefail
cd "$(dirname "$0")/.."
save_agents="${1:-10000}"
resume_agents="${2:-1000}"
steady="${3:-60}"
first=300001

source bench/lib.sh
bench_prepare_agents "$(( save_agents > resume_agents ? save_agents : resume_agents ))"
dir=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill -9 "$pid" 2>/dev/null || true; done
  rm -rf "$dir"
}
trap cleanup EXIT

# One simulator; each run uses its own agents (a killed run leaves its sessions behind):
# without state from first, with state from first+save_agents, the restart after that.
max=$(( 2 * save_agents + resume_agents ))
sim_port=$(bench_free_port)
"$bin/ccgw-sim" --port "$sim_port" --agent-range "$first-$((first + max - 1))" --poll-hold-ms 10000 --rotation-seconds 60 \
  --ca-out "$dir/ca.pem" > "$dir/sim.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 400); do [ -s "$dir/ca.pem" ] && break; sleep 0.05; done

# write_config N STATE_DIR(or empty) PORT FIRST_ID
write_config() {
  local n=$1 state=$2 port=$3 base=$4 id
  {
    echo "listen: {host: 127.0.0.1, port: $port}"
    echo "gateway: {url: \"https://127.0.0.1:$sim_port\", authMode: dynamic, caFile: \"$dir/ca.pem\"}"
    echo "sessions: {signInAtStartup: true, signOutOnShutdown: false}"
    echo "limits: {maxInFlight: $((n + 1024))}"
    [ -n "$state" ] && echo "state: {directory: $state}"
    echo "agents:"
    for id in $(seq "$base" $((base + n - 1))); do echo "  - {id: \"$id\", phone: \"$id\", password: password-$id}"; done
    echo "logging: {level: info, format: json}"
  } > "$dir/shim-$n-$port.yaml"
  echo "$dir/shim-$n-$port.yaml"
}
metric() { { curl -fsS "http://127.0.0.1:$1/metrics" 2>/dev/null || true; } | awk -v name="$2" '$1 == name {print $2}'; }
wait_signed_in() { # port n pid
  local start=$(date +%s)
  while :; do
    local v; v=$(metric "$1" ccgw_agents_signed_in); v=${v%.*}
    [ "${v:-0}" -ge "$2" ] && return 0
    kill -0 "$3" 2>/dev/null || { echo "the shim exited" >&2; exit 1; }
    [ $(( $(date +%s) - start )) -gt 600 ] && { echo "not all signed in after 10 minutes" >&2; exit 1; }
    sleep 1
  done
}
cpu_ticks() { read -r -a f < "/proc/$1/stat"; echo $((f[13] + f[14])); }
tick=$(getconf CLK_TCK)

# 1. Saving at scale: the same steady state with and without a state directory (SAVE_AGENTS=0 skips it).
save_rows=()
modes=(without with)
[ "$save_agents" -eq 0 ] && modes=()
for mode in "${modes[@]}"; do
  port=$(bench_free_port)
  state=""
  base=$first
  [ "$mode" = with ] && { state="$dir/state-save"; mkdir -m 0700 -p "$state"; base=$((first + save_agents)); }
  config=$(write_config "$save_agents" "$state" "$port" "$base")
  "$bin/ccgw-shim" run --config "$config" > "$dir/save-$mode.log" 2>&1 &
  pid=$!; pids+=($pid)
  echo "$mode state: signing in $save_agents agents..." >&2
  wait_signed_in "$port" "$save_agents" "$pid"
  sleep 15
  before=$(cpu_ticks "$pid"); w0=$(metric "$port" 'ccgw_state_writes_total{result="ok"}'); w0=${w0:-0}
  d0=$(metric "$port" 'ccgw_state_write_duration_seconds_sum{result="ok"}'); d0=${d0:-0}
  r0=$(metric "$port" ccgw_guid_rotations_total)
  sleep "$steady"
  after=$(cpu_ticks "$pid"); w1=$(metric "$port" 'ccgw_state_writes_total{result="ok"}'); w1=${w1:-0}
  d1=$(metric "$port" 'ccgw_state_write_duration_seconds_sum{result="ok"}'); d1=${d1:-0}
  r1=$(metric "$port" ccgw_guid_rotations_total)
  size=$([ -n "$state" ] && stat -c %s "$state/sessions.json" || echo 0)
  save_rows+=("$(python3 -c "
cpu=($after-$before)/$tick/$steady*100; writes=($w1-$w0); dur=($d1-$d0)
print('| %s | %d | %.1f | %.1f | %.2f | %s | %s |' % ('$mode', $save_agents, cpu, ($r1-$r0)/$steady, writes/$steady,
  ('%.0f KiB' % ($size/1024)) if $size else '-', ('%.1f ms' % (dur/writes*1000)) if writes else '-'))")")
  kill -9 "$pid" 2>/dev/null; wait "$pid" 2>/dev/null || true
done

# 2. A planned restart of resume_agents agents.
state="$dir/state-resume"; mkdir -m 0700 -p "$state"
port=$(bench_free_port)
resume_first=$((first + 2 * save_agents))
config=$(write_config "$resume_agents" "$state" "$port" "$resume_first")
"$bin/ccgw-shim" run --config "$config" > "$dir/resume-1.log" 2>&1 &
pid=$!; pids+=($pid)
echo "restart: signing in $resume_agents agents..." >&2
wait_signed_in "$port" "$resume_agents" "$pid"
sleep 3
kill -TERM "$pid"; wait "$pid" 2>/dev/null || true
start_ns=$(date +%s%N)
"$bin/ccgw-shim" run --config "$config" > "$dir/resume-2.log" 2>&1 &
pid=$!; pids+=($pid)
for _ in $(seq 1 400); do curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break; sleep 0.01; done
ready_ms=$(( ($(date +%s%N) - start_ns) / 1000000 ))
# Every agent answers 200 (64 callers at once).
python3 - "$port" "$resume_first" "$resume_agents" > "$dir/calls.txt" <<'PY'
import sys, urllib.request, concurrent.futures
port, first, n = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
def call(i):
    req = urllib.request.Request(f"http://127.0.0.1:{port}/v1/agents/{first + i}/reset-skill", data=b'{"skills":[1]}',
                                 headers={"Content-Type": "application/json"}, method="POST")
    try:
        return urllib.request.urlopen(req, timeout=30).status
    except urllib.error.HTTPError as e:
        return e.code
with concurrent.futures.ThreadPoolExecutor(64) as pool:
    statuses = list(pool.map(call, range(n)))
print(sum(1 for s in statuses if s == 200), len(statuses))
PY
served_ms=$(( ($(date +%s%N) - start_ns) / 1000000 ))
read -r ok total < "$dir/calls.txt"
for _ in $(seq 1 3000); do grep -q '"msg":"sessions resumed"' "$dir/resume-2.log" && break; sleep 0.01; done
resumed_ms=$(python3 - "$dir/resume-2.log" <<'PY'
import json, sys, datetime
lines = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
t = lambda l: datetime.datetime.fromisoformat(l["ts"].replace("Z", "+00:00"))
start = t(lines[0]); line = next(l for l in lines if l["msg"] == "sessions resumed")
print(int((t(line) - start).total_seconds() * 1000), line["sessions.resumed"], line["sessions.gone"], line["sessions.taken_back"])
PY
)
# Sign-ins of the restarted process, from its own counters (the simulator's journal is bounded).
signins=$(curl -fsS "http://127.0.0.1:$port/metrics" | awk '/^ccgw_sign_ins_total\{result="(success|taken_back)"\}/ {n += $2} END {print n + 0}')
read -r line_ms n_resumed n_gone n_taken <<< "$resumed_ms"
resume_row="| $resume_agents | ${ready_ms} ms | ${served_ms} ms ($ok/$total answered 200) | ${line_ms} ms (resumed $n_resumed, gone $n_gone, taken back $n_taken) | $signins |"
kill -TERM "$pid"; wait "$pid" 2>/dev/null || true

save_head="| state directory | agents | CPU % of one core | GUID rotations/s | state writes/s | file size | one write |\n|---|---|---|---|---|---|---|"
resume_head="| agents | start to /readyz | start to every agent answering | start to \"sessions resumed\" | sign-ins after the restart |\n|---|---|---|---|---|"
printf "%b\n" "$save_head"; printf "%s\n" "${save_rows[@]}"; echo; printf "%b\n" "$resume_head"; echo "$resume_row"
python3 - "$(printf "%b\n" "$save_head"; printf "%s\n" "${save_rows[@]}"; echo; printf "%b\n" "$resume_head"; echo "$resume_row")" \
  "$(nproc) cores, $(free -g | awk '/Mem/ {print $2}') GiB, $(swift --version 2>&1 | head -1), steady state ${steady} s, $(date -u +%F)" <<'PY'
import sys, re, pathlib
tables, machine = sys.argv[1], sys.argv[2]
path = pathlib.Path("docs/BENCHMARKS.md")
text = path.read_text()
block = "<!-- STATE:BEGIN -->\n" + tables + "\n\n- " + machine + "\n<!-- STATE:END -->"
match = re.search(r"<!-- STATE:BEGIN -->.*?<!-- STATE:END -->", text, flags=re.S)
if match:
    text = text[:match.start()] + block + text[match.end():]
else:
    text += "\n## Saved sessions (`bench/state.sh`)\n\n" + block + "\n"
path.write_text(text)
PY
