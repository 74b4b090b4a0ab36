#!/usr/bin/env bash
# `dicomq jobs ls --watch` on a terminal (tmux) with 10 000 jobs in the history while nothing
# changes (target: <= 2 % of one core): CPU time of the watching process and of the daemon
# answering it over SECONDS (default 20), from /proc, as a share of one core. The daemon's idle
# cost (its timers) is measured over the same time without a watcher first and subtracted.
# Usage: benches/watch.sh [JOBS] [SECONDS]; PROFILE=debug uses a debug build. Needs tmux.
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=${1:-10000}
secs=${2:-20}
profile=${PROFILE:-release}
if [ "$profile" = release ]; then
  cargo build --release -q --bin dicomq --example status_fill
else
  cargo build -q --bin dicomq --example status_fill
fi
bin=$PWD/target/$profile/dicomq
work=$(mktemp -d "${TMPDIR:-/tmp}/dicomq-bench.XXXXXX")
sock="dicomq-watch-bench-$$"
daemon=
cleanup() {
  tmux -L "$sock" kill-server 2>/dev/null || true
  [ -n "$daemon" ] && kill "$daemon" 2>/dev/null
  wait 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
"target/$profile/examples/status_fill" "$work/home" 0 "$jobs"
"$bin" --home "$work/home" daemon 2>/dev/null &
daemon=$!
for _ in $(seq 200); do [ -S "$work/home/daemon.sock" ] && break; sleep 0.05; done
ticks=$(getconf CLK_TCK)
cpu() { awk '{print $14 + $15}' "/proc/$1/stat"; } # utime + stime, in ticks
share() { echo "scale=2; 100 * $1 / $ticks / $secs" | bc -l; }
d0=$(cpu "$daemon"); sleep "$secs"; idle=$(( $(cpu "$daemon") - d0 ))
tmux -L "$sock" -f /dev/null new-session -d -x 120 -y 40 "$bin --home $work/home jobs ls --watch"
sleep 2 # the first frame: 10 000 rows read once
watcher=$(pgrep -f -n "$bin --home $work/home jobs ls --watch")
w0=$(cpu "$watcher"); d0=$(cpu "$daemon")
sleep "$secs"
w=$(( $(cpu "$watcher") - w0 )); d=$(( $(cpu "$daemon") - d0 - idle ))
tmux -L "$sock" capture-pane -p | head -1
echo "jobs ls --watch, $jobs jobs, nothing changing, ${secs} s: watcher $(share "$w") % of a core, daemon answering it $(share "$d") % (its own idle $(share "$idle") % subtracted)"
