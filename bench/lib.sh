# Shared set-up for the benchmark scripts (sourced, not run): tools, the release
# build, the nginx fake gateway (and proxy), and a shim with AGENTS agents in front of it.

# Installs the tools named as "command:package" pairs when their command is missing.
bench_tools() {
  local need=() pair
  for pair in "$@"; do command -v "${pair%%:*}" >/dev/null || need+=("${pair#*:}"); done
  if [ ${#need[@]} -gt 0 ]; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  fi
}

# Raises the soft open-file limit for $1 agents (a held poll on each side per agent), then
# builds the release shim and simulator; sets bin.
bench_prepare_agents() {
  local want_fds=$(($1 * 2 + 1024))
  if [ "$(ulimit -n)" != unlimited ] && [ "$(ulimit -n)" -lt "$want_fds" ]; then
    ulimit -n "$want_fds" 2>/dev/null || ulimit -n "$(ulimit -Hn)"
  fi
  echo "building (release)..." >&2
  bench_build ccgw-sim
  bin="$bin_dir"
}

bench_free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# Builds the release shim (and the products named as arguments) the way it ships: with the
# Swift runtime linked in (--static-swift-stdlib, as the systemd and container recipes do).
# Sets bin_dir and shim_bin.
bench_build() {
  local product
  for product in ccgw-shim "$@"; do
    swift build -c release --static-swift-stdlib --product "$product" 2>&1 | tail -1 >&2
  done
  bin_dir="$(swift build -c release --static-swift-stdlib --show-bin-path)"
  shim_bin="$bin_dir/ccgw-shim"
}

# Starts the fake gateway and the nginx proxy in $dir; sets fake_port, proxy_port, fake_pids, proxy_pids.
bench_start_nginx() {
  fake_port=$(bench_free_port); proxy_port=$(bench_free_port)
  local t
  for t in fake-gateway:fake proxy:proxy; do
    sed -e "s#@DIR@#$dir#g" -e "s#@FAKE_PORT@#$fake_port#g" -e "s#@PROXY_PORT@#$proxy_port#g" \
      "bench/nginx/${t%%:*}.conf.template" > "$dir/${t#*:}.conf"
    nginx -c "$dir/${t#*:}.conf" -p "$dir" -g 'daemon on;'
  done
  fake_pids="$(cat "$dir/fake.pid") $(pgrep -P "$(cat "$dir/fake.pid")" | tr '\n' ' ')"
  proxy_pids="$(cat "$dir/proxy.pid") $(pgrep -P "$(cat "$dir/proxy.pid")" | tr '\n' ' ')"
}

bench_stop_nginx() {
  nginx -c "$dir/proxy.conf" -p "$dir" -s stop 2>/dev/null || true
  nginx -c "$dir/fake.conf" -p "$dir" -s stop 2>/dev/null || true
}

# Starts the shim with $1 agents (ids from 1001) against the fake gateway, info logging
# to $dir/shim.log, and waits until it is ready; sets shim_port and shim_pid.
bench_start_shim() {
  local agents=$1 i
  shim_port=$(bench_free_port)
  {
    echo "listen: {host: 127.0.0.1, port: $shim_port}"
    echo "gateway: {url: \"http://127.0.0.1:$fake_port\", authMode: dynamic}"
    echo "sessions: {signInAtStartup: true}"
    echo "agents:"
    for i in $(seq 0 $((agents - 1))); do echo "  - {id: \"$((1001 + i))\", phone: \"7$((1001 + i))\", password: bench}"; done
    echo "logging: {level: ${BENCH_LOG_LEVEL:-info}, format: json}"
  } > "$dir/shim.yaml"
  "$shim_bin" run --config "$dir/shim.yaml" > "$dir/shim.log" 2>&1 &
  shim_pid=$!
  for _ in $(seq 1 200); do curl -fsS "http://127.0.0.1:$shim_port/readyz" >/dev/null 2>&1 && break; sleep 0.05; done
  curl -fsS "http://127.0.0.1:$shim_port/readyz" >/dev/null || { echo "the shim did not become ready:" >&2; tail -5 "$dir/shim.log" >&2; exit 1; }
  sleep 1
}

# The usual start: a temporary $dir removed on exit (with the shim and nginx stopped),
# the fake gateway and proxy, and a shim with $1 agents in front of them.
bench_start() {
  dir=$(mktemp -d)
  trap 'kill "${shim_pid:-}" 2>/dev/null || true; bench_stop_nginx; rm -rf "$dir"' EXIT
  bench_start_nginx
  bench_start_shim "$1"
}

# Starts the Swift simulator with agents $1..$2 in $dir (10 s poll hold, rotation every 60 s;
# further arguments are passed on), and waits for its CA file; sets sim_port and sim_pid.
bench_start_sim() {
  local first=$1 last=$2
  shift 2
  sim_port=$(bench_free_port)
  "$bin/ccgw-sim" --port "$sim_port" --agent-range "$first-$last" --poll-hold-ms 10000 --rotation-seconds 60 \
    --ca-out "$dir/ca.pem" "$@" > "$dir/sim.log" 2>&1 &
  sim_pid=$!
  for _ in $(seq 1 400); do { [ -s "$dir/ca.pem" ] || grep -q listening "$dir/sim.log"; } && break; sleep 0.05; done
}

# The config lines of agents $1..$2 as the simulator knows them (phone = id, password-<id>).
bench_agent_lines() {
  local id
  echo "agents:"
  for id in $(seq "$1" "$2"); do echo "  - {id: \"$id\", phone: \"$id\", password: password-$id}"; done
}
