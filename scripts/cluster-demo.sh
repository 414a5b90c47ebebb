#!/usr/bin/env bash
# One command for a cluster on loopback (README "Cluster"): a 3-member etcd, the simulator
# and three ccgw-shim members sharing six demo agents. Prints a curl for each member;
# Ctrl-C stops everything (the last member out signs the agents out).
#   scripts/cluster-demo.sh
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/cluster-lib.sh
command -v etcd >/dev/null || { echo "etcd is not installed: sudo apt-get install etcd-server (Debian/Ubuntu; the package's own service is not used), or put etcd 3.4+ on the PATH" >&2; exit 1; }
echo "building..." >&2
swift build --product ccgw-shim 2>&1 | tail -1 >&2
swift build --product ccgw-sim 2>&1 | tail -1 >&2
bin="$(swift build --show-bin-path)"
dir=$(mktemp -d)
trap 'cluster_stop; rm -rf "$dir"' EXIT
trap 'echo; echo "stopping..." >&2; exit 0' INT TERM

agents=()
for id in 1001 1002 1003 1004 1005 1006; do agents+=(--agent "$id:demo-password-$id:7$id:1;2;3;7"); done
cluster_start_etcd
cluster_start_sim "$bin/ccgw-sim" --rotation-seconds 20 --grace-seconds 30 "${agents[@]}"
{
  echo "agents:"
  for id in 1001 1002 1003 1004 1005 1006; do echo "  - {id: \"$id\", phone: \"7$id\", password: demo-password-$id}"; done
} > "$dir/agents.yaml"
ports=()
for member in shim-a shim-b shim-c; do
  port=$(cluster_free_port); ports+=("$port")
  cluster_start_shim "$bin/ccgw-shim" "$member" "$port" 5 "$dir/agents.yaml"
done

cat <<TEXT

A cluster of three ccgw-shim members is running (etcd: $etcd_endpoints; logs in $dir).
Any member serves any agent; X-Ccgw-Owner names the member that talked to the gateway:

  curl -si -X POST http://127.0.0.1:${ports[0]}/v1/agents/1001/reset-skill -H 'Content-Type: application/json' -d '{"skills":[1,2]}'
  curl -si -X POST http://127.0.0.1:${ports[1]}/v1/agents/1001/reset-skill -H 'Content-Type: application/json' -d '{"skills":[3]}'
  curl -si -X POST http://127.0.0.1:${ports[2]}/v1/agents/1002/reset-skill -H 'Content-Type: application/json' -d '{"skills":[7]}'
  curl -s http://127.0.0.1:${ports[0]}/v1/cluster
  curl -s http://127.0.0.1:${ports[1]}/v1/agents/1001

Kill a member (kill -9 ${shim_pids[0]} stops shim-a) and its agents move to the others within
the 5 s lease. Ctrl-C stops everything.
TEXT
while :; do sleep 1; done
