#!/usr/bin/env bash
# create-dicom latency: a 512×512 RGB PNG to a stored instance in-process (median of 300), then
# end to end — a `dicomq create-dicom` process through a running daemon — for that PNG and for
# a 10 MB PDF (hyperfine medians). Needs hyperfine (Debian: apt-get install hyperfine).
# Usage: benches/create_dicom.sh
set -euo pipefail
cd "$(dirname "$0")/.."
command -v hyperfine >/dev/null || { echo "benches/create_dicom.sh needs hyperfine" >&2; exit 1; }
cargo build --release -q --bin dicomq --example create_dicom_bench
bin=${DICOMQ_BIN:-$PWD/target/release/dicomq}
work=$(mktemp -d "${TMPDIR:-/tmp}/dicomq-bench.XXXXXX")
daemon=
cleanup() { [ -n "$daemon" ] && kill "$daemon" 2>/dev/null && wait "$daemon" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

echo "machine: $(nproc) cores, $(uname -r)"
target/release/examples/create_dicom_bench 300 "$work/noisy.png" "$work/report.pdf"

"$bin" --home "$work/home" daemon 2>"$work/daemon.log" &
daemon=$!
for _ in $(seq 100); do [ -S "$work/home/daemon.sock" ] && break; sleep 0.05; done

median_ms() { # label runs command...
  local label=$1 runs=$2; shift 2
  hyperfine -N -w 5 -r "$runs" --export-json "$work/h.json" "$*" >/dev/null 2>&1
  python3 -c "import json,sys; r=json.load(open(sys.argv[1]))['results'][0]; print('%s: median %.2f ms (mean %.2f, min %.2f)' % (sys.argv[2], r['median']*1e3, r['mean']*1e3, r['min']*1e3))" "$work/h.json" "$label"
}
median_ms "end to end, 512x512 RGB PNG via the daemon" 200 "$bin" --home "$work/home" create-dicom --image "$work/noisy.png"
median_ms "end to end, 10 MB PDF via the daemon" 40 "$bin" --home "$work/home" create-dicom --pdf "$work/report.pdf"
