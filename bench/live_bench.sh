#!/usr/bin/env bash
# Runs the live editing benchmark (bench/live_load.cpp) against a fresh
# Release tandem per scenario, each on a loopback port with a temporary data
# directory and the default synchronous=FULL:
#   1. one document, 50 editors submitting on every ack,
#   2. 100 documents, 5 editors each (500 users), submitting on every ack,
#   3. 100 documents, 5 editors each, about one op per second per editor.
# Usage: bench/live_bench.sh [BUILD_DIR] [SCENARIO...]   (default build/release, all)
# Environment: D measured seconds per scenario (20), W warm-up seconds (2),
# CONFIG an optional tandem.toml passed with --config.
set -euo pipefail

build=${1:-build/release}
shift || true
scenarios=("${@:-1 2 3}")
D=${D:-20}
W=${W:-2}
secret=live-bench-secret-0123456789
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT

# Waits for "listening on http://127.0.0.1:PORT" in a log file and prints PORT.
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

# run NAME LOAD_ARGS...: one scenario against a fresh server.
run() {
  local name=$1
  shift
  echo "== $name"
  local config=()
  if [ -n "${CONFIG:-}" ]; then config=(--config "$CONFIG"); fi
  rm -rf "$work/data" "$work/tandem.log"
  "$build/tandem" serve --listen 127.0.0.1:0 --data-dir "$work/data" --secret "$secret" "${config[@]}" \
    > "$work/tandem.log" 2>&1 &
  local pid=$!
  local port
  port=$(wait_port "$work/tandem.log")
  echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
  local cmd=("$build/bench/live_load" --port "$port" --secret "$secret" --server-pid "$pid" --warmup "$W" --duration "$D" "$@")
  echo "+ ${cmd[*]}"
  timeout $((D + W + 120)) "${cmd[@]}" || echo "live_load exited with $?"
  kill "$pid"
  wait "$pid" 2>/dev/null || true
  grep -ciE 'warn|error' "$work/tandem.log" | sed 's/^/server log warnings and errors: /' || true
}

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(free -g | awk '/Mem:/{print $2}') GB RAM"
for s in ${scenarios[*]}; do
  case $s in
    1) run "1: one document, 50 editors, submit on ack" --documents 1 --per-document 50 --rate 0 ;;
    2) run "2: 100 documents x 5 editors, submit on ack" --documents 100 --per-document 5 --rate 0 ;;
    3) run "3: 100 documents x 5 editors, 1 op/s each" --documents 100 --per-document 5 --rate 1 ;;
    *) echo "unknown scenario $s" >&2; exit 2 ;;
  esac
done
