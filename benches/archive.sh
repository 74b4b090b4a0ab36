#!/usr/bin/env bash
# Archive throughput: 600 generated instances of ~512 KB (~300 MB, 3 patients) archived with
# deflate and with `--compression store`, next to `cp -r` + sync of the same files; a media
# (DICOMDIR) of 500 small (~9 KB) instances; peak RSS of the deflate run (/usr/bin/time -v).
# Times are wall-clock of the whole command (process start, database open, job, fsync of the
# output, rename into place). The generated pixel data compresses very well (~50:1), so the
# deflate figure is an upper bound for real images.
# Prints the median of RUNS runs (default 5).
# Usage: benches/archive.sh [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-5}
cargo build --release -q --bin dicomq --example gen_files
bin=${DICOMQ_BIN:-$PWD/target/release/dicomq}
work=$(mktemp -d "${TMPDIR:-/tmp}/dicomq-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
now() { date +%s.%N; }
patients() { "$bin" --home "$1" --json ls patients | python3 -c 'import json,sys; print(" ".join(p["ID"] for p in json.load(sys.stdin)))'; }

setup() { # name count size -> home in $work/home-name
  local src="$work/src-$1"
  target/release/examples/gen_files "$src" "$2" "$3"
  "$bin" --home "$work/home-$1" -q store "$src" >/dev/null
}

timed() { # label bytes cmd... ; prints the median
  local label=$1 bytes=$2; shift 2
  local t=()
  for _ in $(seq "$runs"); do
    rm -rf "$work/out.zip" "$work/copy"; sync
    local t0; t0=$(now); "$@"; local t1; t1=$(now)
    t+=("$(echo "$t1 - $t0" | bc -l)")
  done
  local m; m=$(printf '%s\n' "${t[@]}" | median)
  printf '%-28s %7.3f s  %7.1f MB/s\n' "$label" "$m" "$(echo "$bytes/1048576/$m" | bc -l)"
}

echo "machine: $(nproc) cores, $(uname -r), runs=$runs (medians)"
setup big 600 524288
bytes=$(du -sb "$work/src-big" | cut -f1)
printf 'study: 600 instances, %.1f MB\n' "$(echo "$bytes/1048576" | bc -l)"
read -r -a ids <<<"$(patients "$work/home-big")"
timed "archive (deflate)" "$bytes" "$bin" --home "$work/home-big" -q archive "${ids[@]}" -o "$work/out.zip"
printf '  zip size: %.1f MB\n' "$(echo "$(stat -c %s "$work/out.zip")/1048576" | bc -l)"
timed "archive --compression store" "$bytes" "$bin" --home "$work/home-big" -q archive --compression store "${ids[@]}" -o "$work/out.zip"
timed "cp -r + sync" "$bytes" bash -c "cp -r '$work/src-big' '$work/copy'; sync"
rss=$(/usr/bin/time -v "$bin" --home "$work/home-big" -q archive "${ids[@]}" -o "$work/out.zip" 2>&1 >/dev/null \
  | awk -F: '/Maximum resident set size/ {gsub(/ /, "", $2); print $2}')
echo "peak RSS, deflate archive of 300 MB: $((rss / 1024)) MB"

setup small 500 9000
sbytes=$(du -sb "$work/src-small" | cut -f1)
read -r -a sids <<<"$(patients "$work/home-small")"
timed "media, 500 small instances" "$sbytes" "$bin" --home "$work/home-small" -q archive --media "${sids[@]}" -o "$work/out.zip"
timed "archive, 500 small instances" "$sbytes" "$bin" --home "$work/home-small" -q archive "${sids[@]}" -o "$work/out.zip"
