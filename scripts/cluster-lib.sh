# Shared by scripts/cluster-demo.sh and bench/cluster.sh (sourced, not run): a 3-member
# etcd, the simulator and ccgw-shim members on loopback, all started in $dir and stopped
# by pid (cluster_stop). Needs etcd (Debian: apt-get install etcd-server), python3, curl.

cluster_pids=()
shim_pids=()

cluster_free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# Starts etcd members m1..m3 with data in $dir/etcd; sets etcd_endpoints ("http://...,http://...").
cluster_start_etcd() {
  command -v etcd >/dev/null || { echo "etcd is not installed: sudo apt-get install etcd-server (Debian/Ubuntu), or put etcd 3.4+ on the PATH" >&2; exit 1; }
  local n peers="" clients=() peer_ports=() urls=()
  for n in 1 2 3; do clients+=("$(cluster_free_port)"); peer_ports+=("$(cluster_free_port)"); done
  for n in 0 1 2; do peers+="${peers:+,}m$((n + 1))=http://127.0.0.1:${peer_ports[$n]}"; urls+=("http://127.0.0.1:${clients[$n]}"); done
  mkdir -p "$dir/etcd"
  for n in 0 1 2; do
    etcd --name "m$((n + 1))" --data-dir "$dir/etcd/m$((n + 1))" \
      --listen-client-urls "${urls[$n]}" --advertise-client-urls "${urls[$n]}" \
      --listen-peer-urls "http://127.0.0.1:${peer_ports[$n]}" --initial-advertise-peer-urls "http://127.0.0.1:${peer_ports[$n]}" \
      --initial-cluster "$peers" --initial-cluster-state new --initial-cluster-token ccgw-demo \
      > "$dir/etcd/m$((n + 1)).log" 2>&1 &
    cluster_pids+=($!)
  done
  etcd_endpoints=$(IFS=,; echo "${urls[*]}")
  for _ in $(seq 1 100); do
    curl -fsS -X POST -d '{}' "${urls[0]}/v3/maintenance/status" 2>/dev/null | grep -q '"leader"' && return 0
    sleep 0.1
  done
  echo "etcd did not start; see $dir/etcd/*.log" >&2; exit 1
}

# Starts the simulator ($1: the ccgw-sim binary; further arguments go to it); sets sim_port, writes $dir/ca.pem.
cluster_start_sim() {
  local binary=$1; shift
  sim_port=$(cluster_free_port)
  "$binary" --port "$sim_port" --ca-out "$dir/ca.pem" "$@" > "$dir/sim.log" 2>&1 &
  cluster_pids+=($!)
  for _ in $(seq 1 400); do [ -s "$dir/ca.pem" ] && return 0; sleep 0.05; done
  echo "the simulator did not start; see $dir/sim.log" >&2; exit 1
}

# Writes the peer token once.
cluster_peer_token() {
  [ -f "$dir/peer-token" ] || { head -c 24 /dev/urandom | base64 > "$dir/peer-token"; chmod 600 "$dir/peer-token"; }
}

# cluster_start_shim BINARY MEMBER_ID PORT LEASE_TTL AGENT_LINES_FILE [SESSIONS]: starts one member, waits for /readyz.
cluster_start_shim() {
  local binary=$1 id=$2 port=$3 ttl=$4 agents=$5 sessions=${6:-"signInAtStartup: false, signOutOnShutdown: true"}
  cluster_peer_token
  {
    echo "listen: {host: 127.0.0.1, port: $port}"
    echo "gateway: {url: \"https://127.0.0.1:$sim_port\", authMode: dynamic, caFile: \"$dir/ca.pem\"}"
    echo "sessions: {$sessions}"
    echo "cluster:"
    echo "  memberId: $id"
    echo "  advertiseURL: http://127.0.0.1:$port"
    echo "  peerTokenFile: $dir/peer-token"
    echo "  leaseTTL: ${ttl}s"
    echo "  etcd: {endpoints: [${etcd_endpoints//,/, }]}"
    cat "$agents"
    echo "logging: {level: info, format: json}"
  } > "$dir/$id.yaml"
  "$binary" run --config "$dir/$id.yaml" > "$dir/$id.log" 2>&1 &
  shim_pids+=($!)
  for _ in $(seq 1 400); do curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && return 0; sleep 0.05; done
  echo "member $id did not become ready; see $dir/$id.log" >&2; tail -3 "$dir/$id.log" >&2; exit 1
}

# Stops the members (SIGTERM, so the last one signs its agents out), then etcd and the simulator.
cluster_stop() {
  local pid
  for pid in "${shim_pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
  for pid in "${cluster_pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${cluster_pids[@]}"; do wait "$pid" 2>/dev/null || true; done
}
