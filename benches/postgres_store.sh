#!/usr/bin/env bash
# The store on a PostgreSQL index (issue 16): 2 000 small (~10 KB) generated files stored
# through two daemons at once (1 000 each, one client per daemon; the issue's target is
# >= 1 000 instances/s in total), then through one daemon on redb and one daemon on PostgreSQL,
# in turn in every run. Every run gets a new database, new homes and a new storage directory.
# Prints the medians of RUNS runs (default 5) and checks every run stored 2 000 instances.
# A private PostgreSQL server (initdb in a temporary directory, Unix socket only, default
# durability: fsync on, synchronous_commit on) is started and stopped by the script; as root
# it runs as the `postgres` user.
# Usage: [DICOMQ_BIN=binary] benches/postgres_store.sh [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-5}
cargo build --release -q --bin dicomq --example gen_files
bin=${DICOMQ_BIN:-$PWD/target/release/dicomq}
work=$(mktemp -d "${TMPDIR:-/tmp}/dicomq-pgbench.XXXXXX")
# shellcheck source=benches/lib/private_postgres.sh
. benches/lib/private_postgres.sh

new_home() { # HOME STORAGE [URL]: a home whose config names the storage and the index
  mkdir -p "$1"
  if [ -n "${3:-}" ]; then
    printf '{"StorageDirectory": "%s", "Index": "%s"}\n' "$2" "$3" >"$1/config.json"
  else
    printf '{"StorageDirectory": "%s"}\n' "$2" >"$1/config.json"
  fi
}

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

instances() { "$bin" --home "$1" --json status | jq '.store.instances'; }

check() { # HOME: every run stores all 2 000
  local got; got=$(instances "$1")
  [ "$got" = 2000 ] || { echo "expected 2000 instances, found $got in $1" >&2; exit 1; }
}

src=$work/src
target/release/examples/gen_files "$src" 2000 10000 >/dev/null
mkdir -p "$work/half-a" "$work/half-b"
files=("$src"/*)
for i in "${!files[@]}"; do
  if [ "$i" -lt 1000 ]; then ln "${files[$i]}" "$work/half-a/"; else ln "${files[$i]}" "$work/half-b/"; fi
done

two=() redb=() pg=()
for r in $(seq "$runs"); do
  # Two daemons, one database, one storage directory, a client each, at once.
  url=$(new_database "two_$r")
  new_home "$work/two-a-$r" "$work/storage-two-$r" "$url"
  new_home "$work/two-b-$r" "$work/storage-two-$r" "$url"
  start_daemon "$work/two-a-$r"
  start_daemon "$work/two-b-$r"
  sync
  t0=$(now)
  "$bin" --home "$work/two-a-$r" -q store "$work/half-a" >/dev/null &
  a=$!
  "$bin" --home "$work/two-b-$r" -q store "$work/half-b" >/dev/null &
  b=$!
  wait "$a"
  wait "$b"
  t1=$(now)
  two+=("$(echo "$t1 - $t0" | bc -l)")
  check "$work/two-a-$r"
  files=$(find "$work/storage-two-$r" -type f ! -name dicomq-storage-id | wc -l)
  [ "$files" = 2000 ] || { echo "expected 2000 stored files, found $files" >&2; exit 1; }
  stop_daemons

  # One daemon on redb, then one on PostgreSQL.
  new_home "$work/redb-$r" "$work/storage-redb-$r"
  start_daemon "$work/redb-$r"
  sync
  t0=$(now); "$bin" --home "$work/redb-$r" -q store "$src" >/dev/null; t1=$(now)
  redb+=("$(echo "$t1 - $t0" | bc -l)")
  check "$work/redb-$r"
  stop_daemons

  new_home "$work/pg-$r" "$work/storage-pg-$r" "$(new_database "one_$r")"
  start_daemon "$work/pg-$r"
  sync
  t0=$(now); "$bin" --home "$work/pg-$r" -q store "$src" >/dev/null; t1=$(now)
  pg+=("$(echo "$t1 - $t0" | bc -l)")
  check "$work/pg-$r"
  stop_daemons
done

echo "machine: $(nproc) cores, $(uname -r), PostgreSQL $("$pgbin/postgres" --version | awk '{print $3}'), runs=$runs (medians)"
report() { # NAME TIMES...
  local name=$1; shift
  local m; m=$(printf '%s\n' "$@" | median)
  printf '%-34s %.3f s  %5.0f instances/s   (runs: %s)\n' "$name" "$m" "$(echo "2000/$m" | bc -l)" "$*"
}
report "two daemons, PostgreSQL, at once" "${two[@]}"
report "one daemon, redb" "${redb[@]}"
report "one daemon, PostgreSQL" "${pg[@]}"
