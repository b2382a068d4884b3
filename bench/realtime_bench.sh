#!/usr/bin/env bash
# Runs the real-time fan-out benchmark against tandem and then against the
# minimal Node `ws` broadcast server, with the same load generator and load.
# Usage: bench/realtime_bench.sh [BUILD_DIR]   (default build/release)
# Environment: N connections (10000), M subscribers per channel (100),
# R publications per second (2000), D publish seconds (10), P payload bytes (64),
# B most publications per API request (500), C publishing HTTP connections (4),
# READER how the generator reads its sockets: uring (default) or epoll.
set -euo pipefail

build=${1:-build/release}
N=${N:-10000}
M=${M:-100}
R=${R:-2000}
D=${D:-10}
P=${P:-64}
B=${B:-500}
C=${C:-4}
READER=${READER:-uring}
secret=bench-secret-0123456789
api_key=bench-api-key
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT

# Waits for "listening on http://127.0.0.1:PORT" in a log file; prints PORT.
wait_port() {
  for _ in $(seq 1 200); do
    port=$(grep -o 'listening on http://127.0.0.1:[0-9]*' "$1" | head -1 | sed 's/.*://') || true
    if [ -n "$port" ]; then echo "$port"; return 0; fi
    sleep 0.1
  done
  echo "server did not start; log:" >&2
  cat "$1" >&2
  return 1
}

run_load() {
  "$build/bench/realtime_load" --port "$1" --server-pid "$2" --connections "$N" --channel-size "$M" \
    --rate "$R" --duration "$D" --payload "$P" --max-batch "$B" --publishers "$C" \
    --token "$token" --api-key "$api_key" --reader "$READER"
}

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(free -g | awk '/Mem:/{print $2}') GB RAM"
echo "load: N=$N connections, M=$M per channel, R=$R publications/s, D=$D s, payload $P bytes, batches of at most $B on $C connections"

cat > "$work/tandem.toml" <<TOML
[realtime]
max_channels_per_connection = 8
[realtime.namespaces.bench]
subscribe = "user"
TOML
token=$("$build/tandem" token --secret "$secret" --user bench --ttl 1h)

echo "== tandem"
"$build/tandem" serve --listen 127.0.0.1:0 --data-dir "$work/data" --secret "$secret" --api-key "$api_key" \
  --config "$work/tandem.toml" > "$work/tandem.log" 2>&1 &
tandem_pid=$!
port=$(wait_port "$work/tandem.log")
run_load "$port" "$tandem_pid"
kill "$tandem_pid"; wait "$tandem_pid" 2>/dev/null || true

echo "== node ws $(node -p 'require("./tests/node_modules/ws/package.json").version')"
node bench/realtime_node_server.mjs > "$work/node.log" 2>&1 &
node_pid=$!
port=$(wait_port "$work/node.log")
run_load "$port" "$node_pid"
kill "$node_pid"
