#!/usr/bin/env bash
# Jobs benchmarks against a real daemon: (a) a burst of N trivial jobs through the socket, then
# waited; (b) one `jobs ls` round trip with 10 000 jobs in history; (c) the daemon's idle RSS.
# Usage: benches/jobs.sh [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-3}
cargo build --release -q --bin dicomq --example jobs_burst
bin=target/release/dicomq
home=$(mktemp -d "${TMPDIR:-/tmp}/dicomq-jobs.XXXXXX")
trap 'kill $(cat "$home/pid") 2>/dev/null || true; rm -rf "$home"' EXIT
echo '{"JobsHistorySize": 20000}' > "$home/config.json"
"$bin" --home "$home" daemon 2>/dev/null & echo $! > "$home/pid"
for _ in $(seq 100); do [ -S "$home/daemon.sock" ] && break; sleep 0.05; done
echo "machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "idle RSS: $(ps -o rss= -p "$(cat "$home/pid")") KB"
for _ in $(seq "$runs"); do target/release/examples/jobs_burst "$home" 2000; done
while [ "$("$bin" --home "$home" jobs ls --json | grep -c '"ID"')" -lt 10000 ]; do
  target/release/examples/jobs_burst "$home" 2000 >/dev/null
done
for _ in $(seq 5); do /usr/bin/time -f "jobs ls (10k+ jobs): %e s" "$bin" --home "$home" jobs ls >/dev/null; done
