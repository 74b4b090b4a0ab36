#!/usr/bin/env bash
# One metrics scrape with 100 000 instances in the store (target: median <= 2 ms): the Node call
# (what the daemon's GET /metrics will run), then the whole `dicomq metrics` command inline
# (process start and database open included), median of RUNS runs (default 20).
# Usage: benches/metrics.sh [INSTANCES] [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-100000}
runs=${2:-20}
cargo build --release -q --bin dicomq --example metrics_scrape
target/release/examples/metrics_scrape "$n" 500

# The same through the binary: a home filled by the store command would take minutes at this
# size, so the CLI figure uses a smaller store; the scrape does not depend on the store's size.
work=$(mktemp -d "${TMPDIR:-/tmp}/dicomq-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT
cargo build --release -q --example gen_files
target/release/examples/gen_files "$work/src" 2000 2000
target/release/dicomq --home "$work/home" -q store "$work/src" >/dev/null
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
t=()
for _ in $(seq "$runs"); do
  t0=$(date +%s%N); target/release/dicomq --home "$work/home" metrics >/dev/null; t1=$(date +%s%N)
  t+=("$(( (t1 - t0) / 1000 ))")
done
echo "dicomq metrics (inline, whole process, 2 000 instances), $runs runs: median $(printf '%s\n' "${t[@]}" | median) us"
