#!/usr/bin/env bash
# Store throughput: 2 000 small (~10 KB) and 200 large (~1 MB) generated files, next to `cp -r`
# of the same folder in the same run. Prints the median of RUNS runs (default 5).
# Usage: benches/store.sh [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-5}
cargo build --release -q --bin dicomq --example gen_files
bin=target/release/dicomq
work=$(mktemp -d "${TMPDIR:-/tmp}/dicomq-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
now() { date +%s.%N; }

bench() { # name count size
  local name=$1 n=$2 size=$3 src="$work/src-$1"
  target/release/examples/gen_files "$src" "$n" "$size"
  local bytes; bytes=$(du -sb "$src" | cut -f1)
  local d=() c=()
  for _ in $(seq "$runs"); do
    rm -rf "$work/home" "$work/copy"; sync
    local t0; t0=$(now); "$bin" --home "$work/home" -q store "$src" >/dev/null; local t1; t1=$(now)
    d+=("$(echo "$t1 - $t0" | bc -l)")
    t0=$(now); cp -r "$src" "$work/copy"; sync; t1=$(now)
    c+=("$(echo "$t1 - $t0" | bc -l)")
  done
  local dm cm; dm=$(printf '%s\n' "${d[@]}" | median); cm=$(printf '%s\n' "${c[@]}" | median)
  printf '%-6s %5d files %7.1f MB  dicomq %.3f s (%.0f inst/s, %.1f MB/s)  cp -r+sync %.3f s (%.1f MB/s)  ratio %.2f\n' \
    "$name" "$n" "$(echo "$bytes/1048576" | bc -l)" "$dm" "$(echo "$n/$dm" | bc -l)" \
    "$(echo "$bytes/1048576/$dm" | bc -l)" "$cm" "$(echo "$bytes/1048576/$cm" | bc -l)" "$(echo "$cm/$dm" | bc -l)"
}
echo "machine: $(nproc) cores, $(uname -r), runs=$runs (medians)"
bench small 2000 10000
bench large 200 1000000
