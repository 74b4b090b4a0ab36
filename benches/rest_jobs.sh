#!/usr/bin/env bash
# REST job throughput: one keep-alive client submits 200 async archive jobs of a 1-instance series
# in a burst, then polls each to its end (`rest-bench.py URL jobs 200`), against
# `dicomq daemon --http` and the real Orthanc (`orthanc-peer`, started here in its own folder),
# in turn, ROUNDS times each, in one run. Prints the medians in jobs/s and their ratio.
# Both servers get the same job settings: ConcurrentJobs 2, JobsHistorySize 1000,
# MediaArchiveSize 1 (orthanc-peer's defaults).
# Needs Orthanc (apt-get install orthanc) and curl. DICOMQ_BIN overrides the dicomq binary
# (default: a release build of this checkout).
# Usage: benches/rest_jobs.sh [ROUNDS] [JOBS]
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-3}
jobs=${2:-200}
tools=${DICOMQ_TOOLS:-$(cd .. && pwd)/shared/tools}
[ -d "$tools" ] || tools=/work/shared/tools
bench=$tools/rest-bench.py
peer=$tools/orthanc-peer
if [ -z "${DICOMQ_BIN:-}" ]; then
  cargo build --release -q --bin dicomq
  target=$(cargo metadata --format-version 1 --no-deps |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')
  DICOMQ_BIN=$target/release/dicomq
fi
work=$(mktemp -d "${TMPDIR:-/tmp}/dicomq-rest-jobs.XXXXXX")
export ORTHANC_PEER_DIR=$work/orthanc
port=${DICOMQ_BENCH_PORT:-8044}
daemon=
cleanup() {
  [ -n "$daemon" ] && kill "$daemon" 2>/dev/null && wait "$daemon" 2>/dev/null
  "$peer" stop >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

mkdir -p "$work/home"
echo '{"ConcurrentJobs": 2, "JobsHistorySize": 1000, "MediaArchiveSize": 1}' >"$work/home/config.json"
"$DICOMQ_BIN" --home "$work/home" daemon --http "127.0.0.1:$port" 2>"$work/daemon.log" &
daemon=$!
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/system" >/dev/null && break; sleep 0.05; done
"$peer" start >/dev/null

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
d=() o=()
for _ in $(seq "$rounds"); do
  d+=("$(python3 "$bench" "http://127.0.0.1:$port" jobs "$jobs" | cut -d' ' -f1)")
  o+=("$("$peer" exec python3 "$bench" http://127.0.0.1:8042 jobs "$jobs" | cut -d' ' -f1)")
done
dm=$(printf '%s\n' "${d[@]}" | median)
om=$(printf '%s\n' "${o[@]}" | median)
echo "machine: $(nproc) cores, $(uname -r), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "dicomq  jobs/s: ${d[*]} (median $dm)"
echo "orthanc jobs/s: ${o[*]} (median $om)"
printf 'ratio dicomq/orthanc: %.2f\n' "$(echo "$dm/$om" | bc -l)"
