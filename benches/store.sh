#!/usr/bin/env bash
# Store throughput: 2 000 small (~10 KB) and 200 large (~1 MB) generated files, next to `cp -r`
# of the same folder in the same run. Prints the median of RUNS runs (default 5).
# Usage: benches/store.sh [RUNS]. Start it when nothing was removed from the disk in the last
# minute (see below): the `cp -r` column shows the disk's condition.
# A/B: BASE=path/to/older/dicomq benches/store.sh [RUNS] also times that binary, in turn with
# this one in every run, and prints its median beside.
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
  local d=() c=() b=()
  # A new home and a new copy per run, removed only after the runs: on ext4 without a journal
  # (this VM's disk), an inode freed less than a minute ago is skipped by every allocation in its
  # group, so removing the previous run's 2 000 files first makes each create scan past them
  # (quadratic; it tripled both times). Both sides get the same treatment.
  for r in $(seq "$runs"); do
    sync
    local t0; t0=$(now); "$bin" --home "$work/home-$name-$r" -q store "$src" >/dev/null; local t1; t1=$(now)
    d+=("$(echo "$t1 - $t0" | bc -l)")
    if [ -n "${BASE:-}" ]; then
      sync
      t0=$(now); "$BASE" --home "$work/base-$name-$r" -q store "$src" >/dev/null; t1=$(now)
      b+=("$(echo "$t1 - $t0" | bc -l)")
    fi
    t0=$(now); cp -r "$src" "$work/copy-$name-$r"; sync; t1=$(now)
    c+=("$(echo "$t1 - $t0" | bc -l)")
  done
  rm -rf "$work"/home-* "$work"/copy-* "$work"/base-*
  local dm cm; dm=$(printf '%s\n' "${d[@]}" | median); cm=$(printf '%s\n' "${c[@]}" | median)
  printf '%-6s %5d files %7.1f MB  dicomq %.3f s (%.0f inst/s, %.1f MB/s)  cp -r+sync %.3f s (%.1f MB/s)  ratio %.2f\n' \
    "$name" "$n" "$(echo "$bytes/1048576" | bc -l)" "$dm" "$(echo "$n/$dm" | bc -l)" \
    "$(echo "$bytes/1048576/$dm" | bc -l)" "$cm" "$(echo "$bytes/1048576/$cm" | bc -l)" "$(echo "$cm/$dm" | bc -l)"
  if [ -n "${BASE:-}" ]; then
    local bm; bm=$(printf '%s\n' "${b[@]}" | median)
    printf '%-6s base %.3f s (%.0f inst/s): this binary takes %.3f of its time\n' \
      "$name" "$bm" "$(echo "$n/$bm" | bc -l)" "$(echo "$dm/$bm" | bc -l)"
  fi
}
echo "machine: $(nproc) cores, $(uname -r), runs=$runs (medians)"
bench small 2000 10000
bench large 200 1000000
