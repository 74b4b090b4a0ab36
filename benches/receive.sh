#!/usr/bin/env bash
# Receive throughput: N small generated MR files (default 2 000 × ~10 KB) sent by DCMTK's
# storescu on ONE association to dicomq's SCP (`daemon --dicom`) and to the real Orthanc
# (`orthanc-peer`, its DICOM port inside its loopback namespace), RUNS times each (default 3),
# a fresh home / Orthanc database each run; prints both medians and their ratio. Both answer
# each C-STORE once the instance is committed (dicomq: synced files and index; Orthanc: its
# SQLite commit), and storescu waits for each answer before the next request, so one
# association is a chain of store round trips: the figure is bound by one durable commit per
# instance (see the closing note of issue 15). storescu keeps Nagle's algorithm on by default:
# a server that delays its ACK (Orthanc) waits 40 ms per C-STORE, dicomq ACKs at once
# (TCP_QUICKACK); `TCP_NODELAY=1 benches/receive.sh` (read by DCMTK) compares without that.
# 2 cores, shared disk, 2 000 × 10 KB, medians of 3: default 356 vs 11 instances/s (32×);
# TCP_NODELAY=1: 428 vs 283 instances/s (1.5×).
# With files created ahead (one fdatasync of the file + the index commit per instance, was a
# file fsync + a directory fsync + the commit), other helpers building on the same disk, medians
# of 3 interleaved rounds: TCP_NODELAY=1, 2 000 files: 397 (this) vs 207 (before) vs 381
# (Orthanc) instances/s, and in a busier hour 184 vs 188 vs 344 (rounds 13.4/4.3/10.9 s vs
# 10.7/5.1/18.0 s: the rounds swing 3×); default storescu, 300 files: 235 vs 147 vs 11.
# Orthanc 1.10 flushes once per instance (its SQLite commit; the DICOM file is not synced),
# dicomq twice (the file, then the index row), so on a disk whose flushes queue behind other
# writers dicomq is flush-bound: fdatasync median 0.34 ms, p90 2 ms there.
# Idle machine (load < 1), final tree of session 9, TCP_NODELAY=1, 2 000 files, medians of 3:
# dicomq 609 vs Orthanc 555 instances/s (1.10x).
# Session 10, the file's fdatasync beside the index commit (one flush of latency instead of
# two) and fewer system calls per instance; TCP_NODELAY=1, 2 000 files, interleaved rounds
# (this / session 9's binary / Orthanc), machine shared with builds (load 1-4): medians of 5,
# 598 vs 490 vs 434 instances/s, and again 598 vs 487 vs 403 (1.38x and 1.49x Orthanc; this
# binary faster than the old one in each of the 10 rounds); with the ancestors no longer
# rewritten within a second, 577 vs 515 vs 439 (1.31x; faster in 4 of 5 rounds). What is left per instance: the
# index commit (redb: ~13 page writes and its fdatasync, ~0.35 ms of CPU and one flush), the
# file's creation ahead by the staging pool (ext4 inode allocation, ~0.2 ms of CPU on its own
# thread, competing for the 2 cores with storescu), and storescu itself: storescu to DCMTK's
# `storescp --ignore` (no storage at all) runs at ~1 800 instances/s here, so 2x Orthanc
# (~1 100/s, 0.9 ms per round trip) leaves dicomq ~0.35 ms per instance for a durable store.
# Session 11, the import journal (src/store/import_journal.rs): a received instance is durable
# by its record (its file's bytes) in HOME/imports.journal, one pwrite + one fdatasync of a
# preallocated file, beside a deferred redb commit (no redb flush, the file synced at the
# journal's checkpoint every ~800 instances: one syncfs). TCP_NODELAY=1, 2 000 files, medians of
# interleaved rounds (this / main's binary / Orthanc), machine shared with other helpers (load
# 2-4): 1 072 vs 741 vs 519 (3 rounds, 2.06x), 988 vs 460 vs 502 (5, 1.97x), 780 vs 550 vs 402
# (5, 1.94x), 698 vs 301 vs 336 (5, 2.08x), 850 vs 511 vs 433 instances/s (5, 1.96x): a median
# of 1.97x, at the target but not clear of it on this busy machine; in a busier hour (load 3-4)
# 629 vs 444, 587 vs 351, 689 vs 410 (1.42-1.68x). In those three runs a variant flushing the
# journal on the leader's thread before the deferred commit (no hop to the sync thread, no
# overlap) was interleaved as the baseline: 923, 570, 724 instances/s, medians of all 15 rounds
# 2.86 s vs 3.18 s for this one, each winning 7-8 rounds: not conclusive, kept as is. Later,
# load 1-2, against main at d60e94a: 768 vs 584 vs 424 (1.81x), 875 vs 603 vs 413 (2.12x), 714
# vs 508 vs 317 (2.25x); storescu to `storescp --ignore` (TCP_NODELAY=1 for both) ran 2 420/s
# then (0.41 ms per round trip): dicomq took ~0.73 ms more per instance, 0.23 ms of it the
# journal's flush. Median ratio of the 11 runs: 1.96x.
# Per instance in the quietest run:
# 0.93 ms (main: 1.35 ms, Orthanc: 1.93 ms), of which storescu's round trip is ~0.55 ms. What is
# left per instance: the journal's fdatasync (0.29 ms median here for 10 KB; two flushes in
# parallel, the file's and a record without its bytes, took 0.69 ms: hence the bytes in the
# record), and 0.6-0.8 ms of the daemon's CPU (perf stat) on the 2 cores storescu also uses,
# 60 % of it in the kernel: the loopback TCP, the file's write and rename, the pool's file
# creation, the flush, and 13-16 context switches (tokio's spawn_blocking, the sync thread, the
# pool thread), which this VM makes dear.
# Then the import on the association's own worker thread (`block_in_place`, no hop to a blocking
# thread and back per C-STORE), machine otherwise idle, 5 interleaved rounds each (this / the
# journal's binary / Orthanc): 804 vs 681 vs 338 (2.38x), 902 vs 562 vs 365 instances/s (2.47x;
# faster than the journal's binary in 9 of the 10 rounds). The journal's binary alone, just
# before: 819 vs 468 (1.75x): Orthanc's own rate swings 235-468/s between runs here.
# DICOMQ_BASELINE=OTHER_BINARY also times that binary in every round (interleaved A/B/Orthanc).
# Every run's storage is kept until the end: on ext4 without a journal (this machine) creating
# files right after deleting thousands is several times slower (the allocator skips inodes
# freed in the last minutes), which would penalise whoever runs after a deletion.
# Usage: [TCP_NODELAY=1] [DICOMQ_BASELINE=BIN] benches/receive.sh [N] [RUNS] [SIZE]
set -euo pipefail
cd "$(dirname "$0")/.."
# dicom-rs's reader ends every data set on an error value, which captures a backtrace when
# RUST_BACKTRACE is set (tens of µs per instance): measure as a deployment runs (panics keep
# theirs).
export RUST_LIB_BACKTRACE=0
n=${1:-2000}
runs=${2:-3}
size=${3:-10000}
tools=${DICOMQ_TOOLS:-$(cd .. && pwd)/shared/tools}
[ -d "$tools" ] || tools=/work/shared/tools
peer=$tools/orthanc-peer
command -v storescu >/dev/null || { echo "storescu (dcmtk) is needed" >&2; exit 2; }
target=$(cargo metadata --format-version 1 --no-deps |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')
cargo build --release -q --bin dicomq --example gen_files
bin=${DICOMQ_BIN:-$target/release/dicomq}
baseline=${DICOMQ_BASELINE:-}
work=$(mktemp -d "${TMPDIR:-/tmp}/dicomq-receive.XXXXXX")
port=${DICOMQ_BENCH_DICOM_PORT:-11112}
cleanup() {
  # A daemon left by an interrupted run (receive runs in a subshell: its PID is in a file).
  if [ -s "$work/daemon.pid" ]; then kill "$(cat "$work/daemon.pid")" 2>/dev/null || true; fi
  [ -z "${ORTHANC_PEER_DIR:-}" ] || "$peer" stop >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
now() { date +%s.%N; }

"$target/release/examples/gen_files" "$work/src" "$n" "$size"
files=("$work"/src/*.dcm)
mb=$(du -sm "$work/src" | cut -f1)
# Times one receive by the dicomq binary $1 into a fresh home $2; prints the seconds (stdout
# carries nothing else).
receive() {
  "$1" --home "$2" daemon --dicom "127.0.0.1:$port" 2>"$work/daemon.log" &
  local daemon=$!
  echo "$daemon" >"$work/daemon.pid"
  for _ in $(seq 200); do [ -S "$2/daemon.sock" ] && break; sleep 0.05; done
  sync
  t0=$(now)
  storescu -aec DICOMQ -to 60 127.0.0.1 "$port" "${files[@]}" >&2
  t1=$(now)
  got=$("$1" --home "$2" --json ls instances | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')
  kill "$daemon"; wait "$daemon" 2>/dev/null || true; : >"$work/daemon.pid"
  [ "$got" = "$n" ] || { echo "$1 stored $got of $n" >&2; exit 1; }
  echo "$t1 - $t0" | bc -l
}

d=() b=() o=()
for r in $(seq "$runs"); do
  # (an assignment alone, so that `set -e` stops on a failed receive)
  t=$(receive "$bin" "$work/home-$r")
  d+=("$t")
  if [ -n "$baseline" ]; then
    t=$(receive "$baseline" "$work/baseline-$r")
    b+=("$t")
  fi
  # Orthanc
  export ORTHANC_PEER_DIR=$work/orthanc-$r
  "$peer" start >/dev/null
  sync
  t0=$(now)
  "$peer" exec storescu -aec ORTHANC -to 60 127.0.0.1 4242 "${files[@]}"
  t1=$(now)
  o+=("$(echo "$t1 - $t0" | bc -l)")
  got=$("$peer" exec curl -s http://127.0.0.1:8042/statistics | python3 -c 'import json,sys; print(json.load(sys.stdin)["CountInstances"])')
  "$peer" stop >/dev/null
  [ "$got" = "$n" ] || { echo "Orthanc stored $got of $n" >&2; exit 1; }
done
dm=$(printf '%s\n' "${d[@]}" | median)
om=$(printf '%s\n' "${o[@]}" | median)
echo "machine: $(nproc) cores, $(uname -r), $n files, $mb MB, runs=$runs (medians), one association each"
printf 'dicomq:  %.2f s, %.0f instances/s, %.1f MB/s\n' "$dm" "$(echo "$n/$dm" | bc -l)" "$(echo "$mb/$dm" | bc -l)"
if [ -n "$baseline" ]; then
  bm=$(printf '%s\n' "${b[@]}" | median)
  printf 'baseline: %.2f s, %.0f instances/s (%s)\n' "$bm" "$(echo "$n/$bm" | bc -l)" "$baseline"
  echo "dicomq runs: ${d[*]}; baseline runs: ${b[*]}"
fi
printf 'orthanc: %.2f s, %.0f instances/s, %.1f MB/s\n' "$om" "$(echo "$n/$om" | bc -l)" "$(echo "$mb/$om" | bc -l)"
echo "orthanc runs: ${o[*]}"
printf 'ratio orthanc/dicomq (how many times faster): %.2f\n' "$(echo "$om/$dm" | bc -l)"
