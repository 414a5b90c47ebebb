#!/usr/bin/env bash
# Where the shim's CPU goes under load: perf samples the release shim while wrk drives
# it through the same fake gateway and load as bench/run.sh; prints the top symbols
# (self time); CALLGRAPH=1 records call chains, PERF_OUT=FILE keeps the samples for
# perf report, SORT/CHILDREN/REPORT_ARGS change the report. Installs linux-perf,
# nginx-light and wrk when missing.
#   bench/profile.sh [SECONDS=10] [TOP=40]
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
seconds="${1:-10}"
top="${2:-40}"
agents=64
bench_tools nginx:nginx-light wrk:wrk perf:linux-perf
bench_build
bench_start "$agents"
# Warm up, then sample at 999 Hz for the whole measured run.
AGENTS=$agents wrk -t2 -c64 -d3s -s bench/wrk/reset-skill.lua "http://127.0.0.1:$shim_port" > /dev/null
perf record -F 999 ${CALLGRAPH:+-g} -o "$dir/perf.data" -p "$shim_pid" -- sleep "$seconds" 2> /dev/null &
perf_pid=$!
AGENTS=$agents wrk -t2 -c64 -d"${seconds}s" -s bench/wrk/reset-skill.lua "http://127.0.0.1:$shim_port" | grep RESULT
wait "$perf_pid" || true
[ -n "${PERF_OUT:-}" ] && cp "$dir/perf.data" "$PERF_OUT"
perf report -i "$dir/perf.data" ${CHILDREN:---no-children} --sort ${SORT:-symbol} --percent-limit 0.4 ${REPORT_ARGS:-} --stdio 2>/dev/null \
  | grep -v '^#' | grep -v '^$' | head -n "$top" | swift demangle --simplified | cut -c1-200
