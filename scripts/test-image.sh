#!/usr/bin/env bash
# Runs the image as the sidecar recipe runs it and checks what the README promises:
#   podman, the real image (localhost/ccgw-shim:<version>, from scripts/build-image.sh), with
#   uid 65532, a read-only root filesystem, every capability dropped, no-new-privileges;
#   deploy/kubernetes/ccgw-shim-config.yaml's own config (only the addresses changed), the
#   config and the password files mounted read-only, the state directory on a named volume;
#   the API on loopback, /healthz, /readyz and /metrics on the probe port;
#   the bundled simulator on the host (HTTPS with its private CA) as the gateway.
# Checks: ready; PID 1, uid 65532, no capabilities; a reset answers 200; `podman stop`
# (SIGTERM to PID 1) drains, saves the sessions and exits 0 inside the pod's grace period;
# started again, it resumes every session without signing in, and a reset answers 200.
# Prints the image's size and the start-to-ready times (docs/BENCHMARKS.md).
#   scripts/test-image.sh           (needs podman, runc, curl, python3 with PyYAML)
set -euo pipefail
source "$(dirname "$0")/release-lib.sh"
cd "$repo"
image="localhost/ccgw-shim:$version"
podman=(podman "${containers[@]}" --runtime runc)
"${podman[@]}" image exists "$image" || { echo "no image $image: run scripts/build-image.sh" >&2; exit 2; }
[ -x .build/debug/ccgw-sim ] || swift build --product ccgw-sim >&2

fail() { echo "FAIL: $*" >&2; exit 1; }
pass() { echo "ok: $*"; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
now() { date +%s.%N; }
since() { python3 -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.2f}')" "$1" "$(now)"; }

work="$(mktemp -d)"
name="ccgw-shim-test-$$"
volume="ccgw-shim-state-$$"
sim_pid=""
cleanup() {
  "${podman[@]}" rm -f -t 0 "$name" >/dev/null 2>&1 || true
  "${podman[@]}" volume rm -f "$volume" >/dev/null 2>&1 || true
  [ -z "$sim_pid" ] || kill "$sim_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

# The simulator: two agents, as in the recipe's config.
sim_port="$(free_port)"
api_port="$(free_port)"
probe_port="$(free_port)"
pw1="sim-pw-$RANDOM$RANDOM"
pw2="sim-pw-$RANDOM$RANDOM"
.build/debug/ccgw-sim --port "$sim_port" --ca-out "$work/gateway-ca.pem" \
  --agent "1001:$pw1:70001:1;2;3;7" --agent "1002:$pw2:70002:1;2;3;7" >"$work/sim.log" 2>&1 &
sim_pid=$!
sim="https://127.0.0.1:$sim_port"
for _ in $(seq 1 100); do [ -s "$work/gateway-ca.pem" ] && curl -fsS --cacert "$work/gateway-ca.pem" "$sim/__sim/journal" >/dev/null 2>&1 && break; sleep 0.1; done
curl -fsS --cacert "$work/gateway-ca.pem" "$sim/__sim/journal" >/dev/null || fail "the simulator did not start: $(cat "$work/sim.log")"
sim_get() { curl -fsS --cacert "$work/gateway-ca.pem" "$sim$1"; }
sign_ins() { sim_get /__sim/journal | python3 -c 'import json,sys; print(sum(1 for e in json.load(sys.stdin) if e["operation"] in ("login", "forceLogin")))'; }

# The recipe's config, with this machine's addresses: the gateway is the simulator, and with
# the host's network both listeners stay on loopback.
install -d -m 0755 "$work/config" "$work/secrets"
python3 - deploy/kubernetes/ccgw-shim-config.yaml "$work/config/config.yaml" "$sim" "$api_port" "$probe_port" <<'PY'
import sys, yaml
source, target, sim, api, probe = sys.argv[1:]
text = yaml.safe_load(open(source))["data"]["config.yaml"]
for old, new in [("https://cc-gateway.example.com:8043", sim), ("port: 8080", f"port: {api}"),
                 ("{host: 0.0.0.0, port: 9090}", f"{{host: 127.0.0.1, port: {probe}}}")]:
    assert old in text, f"the recipe's config no longer has {old!r}"
    text = text.replace(old, new)
open(target, "w").write(text)
PY
install -m 0444 "$work/gateway-ca.pem" "$work/config/gateway-ca.pem"
# The Secret's files as the pod mounts them: mode 0440, group 65532 (fsGroup).
printf '%s' "$pw1" >"$work/secrets/agent-1001"
printf '%s' "$pw2" >"$work/secrets/agent-1002"
chown 0:65532 "$work/secrets/"*; chmod 0440 "$work/secrets/"*
grace="$(python3 -c 'import sys,yaml; print(yaml.safe_load(open(sys.argv[1]))["spec"]["terminationGracePeriodSeconds"])' deploy/kubernetes/pod.yaml)"
nofile="$(ulimit -Hn)"; [ "$nofile" -le 65536 ] || nofile=65536

"${podman[@]}" volume create "$volume" >/dev/null
start="$(now)"
"${podman[@]}" run -d --name "$name" --network host \
  --user 65532:65532 --read-only --cap-drop ALL --security-opt no-new-privileges \
  --ulimit "nofile=$nofile:$nofile" --ulimit nproc=32768:32768 \
  -v "$work/config:/etc/ccgw-shim:ro" -v "$work/secrets:/run/secrets/ccgw-shim:ro" \
  -v "$volume:/var/lib/ccgw-shim" "$image" >/dev/null

api="http://127.0.0.1:$api_port"
probe="http://127.0.0.1:$probe_port"
wait_ready() {
  for _ in $(seq 1 300); do
    curl -fsS "$probe/readyz" >/dev/null 2>&1 && return 0
    [ "$("${podman[@]}" inspect -f '{{.State.Running}}' "$name")" = true ] || break
    sleep 0.1
  done
  "${podman[@]}" logs "$name" >&2 || true
  fail "the shim did not become ready"
}
wait_ready
first_ready="$(since "$start")"
pass "ready on the probe port in ${first_ready}s after podman run"

# As run: PID 1 in its namespace, uid 65532, no capabilities, no new privileges, read-only.
host_pid="$("${podman[@]}" inspect -f '{{.State.Pid}}' "$name")"
status="/proc/$host_pid/status"
[ "$(awk '/^NSpid:/ {print $NF}' "$status")" = 1 ] || fail "the shim is not PID 1 in its container"
[ "$(awk '/^Uid:/ {print $2 $3 $4 $5}' "$status")" = 65532655326553265532 ] || fail "the shim does not run as uid 65532: $(grep ^Uid: "$status")"
[ "$(awk '/^CapEff:/ {print $2}' "$status")" = 0000000000000000 ] || fail "the shim has capabilities: $(grep ^CapEff: "$status")"
[ "$(awk '/^CapBnd:/ {print $2}' "$status")" = 0000000000000000 ] || fail "the shim's bounding set is not empty"
[ "$(awk '/^NoNewPrivs:/ {print $2}' "$status")" = 1 ] || fail "no-new-privileges is not set"
[ "$("${podman[@]}" inspect -f '{{.HostConfig.ReadonlyRootfs}}' "$name")" = true ] || fail "the root filesystem is writable"
pass "PID 1, uid 65532, no capabilities, no new privileges, read-only root filesystem"

# Probes and metrics on the probe port; the API on loopback.
curl -fsS "$probe/healthz" >/dev/null || fail "/healthz"
curl -fsS "$probe/metrics" >"$work/metrics.txt" || fail "/metrics"
grep -Eq '^ccgw_agents_signed_in 2(\.0)?$' "$work/metrics.txt" \
  || fail "/metrics does not show two agents signed in: $(grep '^ccgw_agents' "$work/metrics.txt")"
[ "$(sign_ins)" = 2 ] || fail "expected 2 sign-ins at start, the simulator saw $(sign_ins)"
reset() {
  curl -sS -o "$work/reset.json" -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
    -d "{\"skills\":[$2]}" "$api/v1/agents/$1/reset-skill"
}
code="$(reset 1001 '3,7')"
[ "$code" = 200 ] || fail "reset-skill answered $code: $(cat "$work/reset.json")"
sim_get /__sim/agents/1001 | python3 -c 'import json,sys; sys.exit(0 if sorted(json.load(sys.stdin).get("joinedSkills", [])) == [3, 7] else 1)' \
  || fail "the simulator's agent 1001 is not in skills 3 and 7: $(sim_get /__sim/agents/1001)"
pass "probes and metrics answer; reset-skill answered 200 and the gateway has agent 1001 in skills 3 and 7"

# podman stop: SIGTERM to PID 1, which drains, saves the sessions and exits 0 in the grace period.
stop_start="$(now)"
"${podman[@]}" stop -t "$grace" "$name" >/dev/null
stopped_in="$(since "$stop_start")"
exit_code="$("${podman[@]}" inspect -f '{{.State.ExitCode}}' "$name")"
[ "$exit_code" = 0 ] || { "${podman[@]}" logs "$name" >&2; fail "the shim exited $exit_code after SIGTERM (137 would be SIGKILL at the grace period)"; }
python3 -c "import sys; sys.exit(0 if float(sys.argv[1]) < float(sys.argv[2]) else 1)" "$stopped_in" "$grace" \
  || fail "stopping took ${stopped_in}s, not inside the grace period (${grace}s)"
"${podman[@]}" logs "$name" >"$work/first.log" 2>&1
grep 'sessions closed' "$work/first.log" | grep -q '"sessions.saved":"true"' \
  || fail "no 'sessions closed' line with sessions.saved true in the log: $(tail -5 "$work/first.log")"
pass "podman stop: exit 0 after ${stopped_in}s (grace period ${grace}s), sessions saved"

# Started again on the same volume: every session resumed, no sign-in at the gateway.
journal_guids() { sim_get /__sim/journal | python3 -c 'import json,sys; print("\n".join(sorted({e["guid"] for e in json.load(sys.stdin) if e.get("guid")})))'; }
journal_guids >"$work/guids.txt"
curl -fsS --cacert "$work/gateway-ca.pem" -X DELETE "$sim/__sim/journal" >/dev/null
start="$(now)"
"${podman[@]}" start "$name" >/dev/null
wait_ready
second_ready="$(since "$start")"
pass "ready again in ${second_ready}s after podman start"
[ "$(sign_ins)" = 0 ] || fail "the restarted shim signed in $(sign_ins) time(s) instead of resuming"
# A resumed session is counted when the gateway answers its first poll (held up to ~10 s).
for _ in $(seq 1 300); do
  curl -fsS "$probe/metrics" >"$work/metrics.txt"
  grep -Eq '^ccgw_sessions_resumed_total\{result="resumed"\} 2(\.0)?$' "$work/metrics.txt" && break
  sleep 0.1
done
grep -Eq '^ccgw_sessions_resumed_total\{result="resumed"\} 2(\.0)?$' "$work/metrics.txt" \
  || fail "expected 2 resumed sessions: $(grep '^ccgw_sessions_resumed_total' "$work/metrics.txt")"
code="$(reset 1002 '1,2')"
[ "$code" = 200 ] || fail "reset-skill after the restart answered $code: $(cat "$work/reset.json")"
[ "$(sign_ins)" = 0 ] || fail "a reset after the restart signed in"
pass "restarted: both sessions resumed, no sign-in, reset-skill answered 200"

# Nothing secret in the container's log.
"${podman[@]}" logs "$name" >"$work/all.log" 2>&1
for secret in "$pw1" "$pw2"; do grep -qF "$secret" "$work/all.log" && fail "a password appears in the log"; done
journal_guids >>"$work/guids.txt"
guids="$(sort -u "$work/guids.txt" | grep .)" || fail "the simulator's journal has no GUID to look for"
while read -r guid; do grep -qF "$guid" "$work/all.log" && fail "a GUID appears in the log"; done <<<"$guids"
pass "neither password nor any of the $(wc -l <<<"$guids") GUIDs the gateway saw is in the container's log"

"${podman[@]}" stop -t "$grace" "$name" >/dev/null
size="$("${podman[@]}" image inspect -f '{{.Size}}' "$image")"
archive="$dist/ccgw-shim-$version.oci.tar"
echo "image $image: $((size / 1000000)) MB unpacked$( [ -f "$archive" ] && echo ", $(( $(stat -c %s "$archive") / 1000000 )) MB as an OCI archive"); ready in ${first_ready}s (first start, signing in) and ${second_ready}s (restart, resuming); stop ${stopped_in}s"
