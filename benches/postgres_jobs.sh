#!/usr/bin/env bash
# The job queue on PostgreSQL (issue 16): a burst of 2 000 trivial jobs (Sleep, 1 step of 0 ms)
# through three daemons sharing one database and one storage directory (667 + 667 + 666 jobs
# submitted at once, 8 client connections per daemon, each client then waits for its jobs
# through its daemon, whichever daemon ran them; the issue's target is >= 1 500 jobs/s), every
# run on a new database and new homes. Prints the median of RUNS runs (default 5).
# A private PostgreSQL server (initdb in a temporary directory, Unix socket only, default
# durability: fsync on, synchronous_commit on) is started and stopped by the script; as root
# it runs as the `postgres` user. The redb path is measured by benches/jobs.sh.
# A trivial job costs each worker one commit (its end and the claim of the next share it), so
# with Orthanc's default of 2 workers per daemon the burst is bound by the commit latency of
# three daemons on two cores; `DICOMQ_CONCURRENT_JOBS=4` shows the figure with more workers.
# Usage: [DICOMQ_CONCURRENT_JOBS=N] benches/postgres_jobs.sh [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-5}
# Each daemon's workers (Orthanc's and dicomq's default: 2).
workers=${DICOMQ_CONCURRENT_JOBS:-2}
cargo build --release -q --bin dicomq --example jobs_burst
bin=$PWD/target/release/dicomq
burst=$PWD/target/release/examples/jobs_burst
work=$(mktemp -d "${TMPDIR:-/tmp}/dicomq-pgjobs.XXXXXX")
# shellcheck source=benches/lib/private_postgres.sh
. benches/lib/private_postgres.sh

start_daemon() { # HOME: starts its daemon and waits until it answers
  "$bin" --home "$1" daemon >/dev/null 2>"$1.log" &
  pids+=($!)
  for _ in $(seq 200); do
    [ -S "$1/daemon.sock" ] && "$bin" --home "$1" status >/dev/null 2>&1 && return 0
    sleep 0.05
  done
  echo "daemon on $1 did not start:" >&2
  cat "$1.log" >&2
  exit 1
}

stop_daemons() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
  pids=()
}

times=()
for r in $(seq "$runs"); do
  url=$(new_database "b$r")
  for d in a b c; do
    mkdir -p "$work/$d-$r"
    printf '{"StorageDirectory": "%s", "Index": "%s", "JobsHistorySize": 5000, "ConcurrentJobs": %s}\n' \
      "$work/storage-$r" "$url" "$workers" >"$work/$d-$r/config.json"
    start_daemon "$work/$d-$r"
  done
  t0=$(now)
  "$burst" "$work/a-$r" 667 8 >/dev/null &
  a=$!
  "$burst" "$work/b-$r" 667 8 >/dev/null &
  b=$!
  "$burst" "$work/c-$r" 666 8 >/dev/null &
  c=$!
  wait "$a"
  wait "$b"
  wait "$c"
  t1=$(now)
  times+=("$(echo "$t1 - $t0" | bc -l)")
  done_jobs=$("$bin" --home "$work/a-$r" --json jobs ls | jq '[.[] | select(.State == "Success")] | length')
  [ "$done_jobs" = 2000 ] || { echo "expected 2000 jobs done, found $done_jobs" >&2; exit 1; }
  stop_daemons
done

echo "machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg), PostgreSQL $("$pgbin/postgres" --version | awk '{print $3}'), runs=$runs (median), ConcurrentJobs $workers"
m=$(printf '%s\n' "${times[@]}" | median)
printf '2000 jobs through three daemons: %.3f s  %5.0f jobs/s   (runs: %s)\n' \
  "$m" "$(echo "2000/$m" | bc -l)" "${times[*]}"
