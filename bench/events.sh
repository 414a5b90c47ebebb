#!/usr/bin/env bash
# Events at scale: ccgw-shim (release) holds N agents over HTTPS against the simulator,
# which rings each agent about every 40 s (Ringing, Talking, two release events: one event
# per agent every 10 s, 1,000 events/s at 10,000 agents); 10 SSE subscribers read
# GET /v1/events and one webhook receiver (nginx answering 204) gets every event.
# Reports the shim's RSS and CPU over STEADY seconds, the events each subscriber and the
# receiver got, and the p50/p99 from the simulator stamping a Ringing event (eventGenTime,
# queued at once to a held poll) to a subscriber reading it. BASELINE=1 runs the same
# without ringing, subscribers or webhook (bench/agents.sh's load) for the difference;
# RING_ONLY=1 rings but has no subscriber and no webhook (what the events' extra polls cost).
#   bench/events.sh N [STEADY_SECONDS=60]      (PERF=1: print where the shim's CPU went)
set -euo pipefail
cd "$(dirname "$0")/.."
agents="${1:?usage: bench/events.sh N [STEADY_SECONDS]}"
steady="${2:-60}"
first=200001
last=$((first + agents - 1))

source bench/lib.sh
bench_tools nginx:nginx-light
bench_prepare_agents "$agents"

dir=$(mktemp -d)
shim_port=$(bench_free_port)
hook_port=$(bench_free_port)
ring=()
[ -z "${BASELINE:-}" ] && ring=(--ring-every-seconds 40)
bench_start_sim "$first" "$last" "${ring[@]}"
openssl rand -base64 32 | sed 's/^/whsec_/' > "$dir/hook.key"
chmod 600 "$dir/hook.key"
{
  echo "listen: {host: 127.0.0.1, port: $shim_port}"
  echo "gateway: {url: \"https://127.0.0.1:$sim_port\", authMode: dynamic, caFile: \"$dir/ca.pem\"}"
  echo "sessions: {signInAtStartup: true}"
  echo "limits: {maxInFlight: $((agents + 1024))}"
  if [ -z "${BASELINE:-}${RING_ONLY:-}" ]; then
    echo "events:"
    echo "  webhooks:"
    echo "    - {name: bench, url: \"http://127.0.0.1:$hook_port/hook\", agents: [\"*\"], secretFile: $dir/hook.key}"
  fi
  bench_agent_lines "$first" "$last"
  echo "logging: {level: info, format: json}"
} > "$dir/shim.yaml"
cat > "$dir/hook.conf" <<NGINX
worker_processes 1;
pid $dir/hook.pid;
error_log $dir/hook.error.log warn;
events { worker_connections 4096; }
http {
    access_log $dir/hook.access.log;
    client_body_buffer_size 16k;
    server { listen 127.0.0.1:$hook_port; location / { return 204; } }
}
NGINX
nginx -c "$dir/hook.conf"

cleanup() {
  kill "${shim_pid:-}" 2>/dev/null && wait "${shim_pid:-}" 2>/dev/null || true
  kill "$sim_pid" 2>/dev/null || true
  kill "$(cat "$dir/hook.pid" 2>/dev/null)" 2>/dev/null || true
  rm -rf "$dir"
}
trap cleanup EXIT
start_ns=$(date +%s%N)
"$bin/ccgw-shim" run --config "$dir/shim.yaml" > "$dir/shim.log" 2>&1 &
shim_pid=$!
metric() { curl -fsS "http://127.0.0.1:$shim_port/metrics" 2>/dev/null | awk -v name="$1" '$1 == name {print int($2)}'; }
echo "signing in $agents agents..." >&2
while :; do
  n=$(metric ccgw_agents_signed_in || true)
  [ "${n:-0}" -ge "$agents" ] && break
  kill -0 "$shim_pid" 2>/dev/null || { echo "the shim exited:" >&2; tail -5 "$dir/shim.log" >&2; exit 1; }
  [ $(( ($(date +%s%N) - start_ns) / 1000000000 )) -gt 600 ] && { echo "only ${n:-0}/$agents signed in after 10 minutes" >&2; exit 1; }
  sleep 1
done
echo "all signed in; settling 45 s (the first calls ring within 40 s), then $steady s of steady state" >&2
sleep 45

cpu_ticks() { read -r -a f < "/proc/$shim_pid/stat"; echo $((f[13] + f[14])); }
tick=$(getconf CLK_TCK)
hooks_before=$(wc -l < "$dir/hook.access.log" 2>/dev/null || echo 0)
received_before=$(curl -fsS "http://127.0.0.1:$shim_port/metrics" | awk '/^ccgw_events_received_total/ {s += $2} END {print int(s)}')
before=$(cpu_ticks)
# PERF=1: where the shim's CPU goes during the steady state (perf, self time).
if [ -n "${PERF:-}" ]; then
  perf record -F 499 -o "$dir/perf.data" -p "$shim_pid" -- sleep "$steady" 2> /dev/null &
  perf_pid=$!
fi
sub_pids=()
if [ -z "${BASELINE:-}${RING_ONLY:-}" ]; then
  for i in $(seq 1 10); do
    python3 bench/events_subscriber.py "$shim_port" "$steady" > "$dir/sub-$i.out" &
    sub_pids+=($!)
  done
  wait "${sub_pids[@]}"
else
  sleep "$steady"
fi
after=$(cpu_ticks)
if [ -n "${PERF:-}" ]; then
  wait "$perf_pid" || true
  perf report -i "$dir/perf.data" --no-children --sort symbol --stdio 2> /dev/null | grep -v '^#' | grep -v '^$' | head -45 >&2 || true
fi
rss_kib=$(awk '/VmRSS/ {print $2}' "/proc/$shim_pid/status")
hwm_kib=$(awk '/VmHWM/ {print $2}' "/proc/$shim_pid/status")
received_after=$(curl -fsS "http://127.0.0.1:$shim_port/metrics" | awk '/^ccgw_events_received_total/ {s += $2} END {print int(s)}')
kept=$(metric ccgw_events_kept || echo 0)
hooks=$(( $(wc -l < "$dir/hook.access.log" 2>/dev/null || echo 0) - hooks_before ))
dropped=$(curl -fsS "http://127.0.0.1:$shim_port/metrics" | awk '/^ccgw_webhook_dropped_total/ {s += $2} END {print int(s)}')
cut=$(metric ccgw_event_subscribers_cut_off_total || echo 0)
cpu_pct=$(python3 -c "print('%.1f' % (($after - $before) / $tick / $steady * 100))")
read -r per_sub p50 p99 pmax < <(python3 - "$dir" <<'PY'
import glob, sys
counts, lat = [], []
for path in glob.glob(sys.argv[1] + "/sub-*.out"):
    fields = open(path).read().split()
    if fields:
        counts.append(int(fields[0])); lat += [float(x) for x in fields[1:]]
lat.sort()
pick = lambda q: "%.1f" % lat[min(len(lat) - 1, int(len(lat) * q))] if lat else "n/a"
print("%d-%d" % (min(counts), max(counts)) if counts else "n/a", pick(0.5), pick(0.99), pick(1.0))
PY
)
echo "| agents | mode | events/s received | RSS MiB | peak RSS MiB | CPU % of one core | events kept | per subscriber | webhook deliveries | webhook dropped | cut off | p50 ms | p99 ms | max ms |"
echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"
mode=events; [ -n "${RING_ONLY:-}" ] && mode="ringing only"; [ -n "${BASELINE:-}" ] && mode=baseline
echo "| $agents | $mode | $(( (received_after - received_before) / steady )) | $((rss_kib / 1024)) | $((hwm_kib / 1024)) | $cpu_pct | $kept | $per_sub | $hooks | $dropped | $cut | $p50 | $p99 | $pmax |"
