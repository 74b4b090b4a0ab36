#!/usr/bin/env bash
# `dicomq status` with 100 000 instances and 10 000 jobs in the history (target: <= 20 ms),
# through a running daemon and inline, whole process (start, connect or open, answer), median of
# RUNS runs (default 20). `status` reads counters (the index's statistics, the engine's job
# table), never the store: its time must not grow with the store.
# Usage: benches/status.sh [INSTANCES] [JOBS] [RUNS]; PROFILE=debug uses a debug build.
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-100000}
jobs=${2:-10000}
runs=${3:-20}
profile=${PROFILE:-release}
if [ "$profile" = release ]; then
  cargo build --release -q --bin dicomq --example status_fill
else
  cargo build -q --bin dicomq --example status_fill
fi
bin=target/$profile/dicomq
work=$(mktemp -d "${TMPDIR:-/tmp}/dicomq-bench.XXXXXX")
daemon=
cleanup() { [ -n "$daemon" ] && kill "$daemon" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
t0=$(date +%s)
"target/$profile/examples/status_fill" "$work/home" "$n" "$jobs"
echo "machine: $(nproc) cores; home filled in $(( $(date +%s) - t0 )) s ($n instances, $jobs jobs)"
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
time_status() { # label
  local t=() t0 t1
  for _ in $(seq "$runs"); do
    t0=$(date +%s%N); "$bin" --home "$work/home" status >/dev/null 2>&1 || true; t1=$(date +%s%N)
    t+=("$(( (t1 - t0) / 1000 ))")
  done
  echo "dicomq status ($1), $runs runs: median $(printf '%s\n' "${t[@]}" | median) us"
}
time_status inline
"$bin" --home "$work/home" daemon 2>/dev/null &
daemon=$!
for _ in $(seq 200); do [ -S "$work/home/daemon.sock" ] && break; sleep 0.05; done
"$bin" --home "$work/home" --json status | grep -E '"instances"|"Success"|"running"'
time_status daemon
