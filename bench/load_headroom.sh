#!/usr/bin/env bash
# Finds the headroom of the target workload. For each user count it runs
# tandem-load (bench/load) against a fresh server, with documents scaled as in
# the default scenario (120 per 500 users) and 60 editors in the meeting
# document, and prints the latency lines. The largest count with broadcast
# p99 under 50 ms is the headroom recorded in BENCHMARKS.md.
# Usage: bench/load_headroom.sh [BUILD_DIR] [USERS...]   (default build/release, 500 1000 1500 2000)
# Environment: D measured seconds per run (30), EXTRA more tandem-load flags,
# OUT the folder for the JSON reports and charts (default: a new temporary one).
set -euo pipefail

build=${1:-build/release}
shift || true
counts=("${@:-500 1000 1500 2000}")
D=${D:-30}
out=${OUT:-$(mktemp -d)}
mkdir -p "$out"
# Each user is one socket in the tool and one in the server.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), load average $(cut -d' ' -f1-3 /proc/loadavg)"
for users in ${counts[*]}; do
  documents=$(( users * 120 / 500 ))
  cmd=("$build/bench/tandem-load" --server-bin "$build/tandem" --users "$users" --documents "$documents"
       --hot-editors 60 --duration "$D" --notifications off --report "$out/$users.json" ${EXTRA:-})
  echo "== $users users, $documents documents: ${cmd[*]}"
  timeout $(( D + 600 )) "${cmd[@]}" > "$out/$users.txt" 2>&1 || echo "tandem-load exited with $?"
  grep -E '^  (ack|broadcast|cursor|search) |server:|verification|VIOLATION|kept' "$out/$users.txt" || true
done
echo "reports, charts and full output in $out"
