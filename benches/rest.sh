#!/usr/bin/env bash
# REST throughput with wrk on loopback: GET /jobs/{id} (a finished job) and POST
# /tools/create-dicom (a 512×512 RGB PNG as a data URI), against `dicomq daemon --http` and, when
# `../shared/tools/orthanc-peer start` runs one, against Orthanc in the same minutes: the two are
# measured in turn, ROUNDS times per setting, and the medians printed with their ratios: requests
# per second, and the server's CPU time per request (less noisy on a shared 2-core machine, where
# wrk takes half the CPU).
# Needs wrk and curl (Debian: apt-get install wrk curl).
# Usage: benches/rest.sh [ROUNDS] [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-3}
secs=${2:-5}
command -v wrk >/dev/null || { echo "benches/rest.sh needs wrk" >&2; exit 1; }
cargo build --release -q --bin dicomq --example create_dicom_bench
bin=$PWD/target/release/dicomq
peer=$PWD/../shared/tools/orthanc-peer
work=$(mktemp -d "${TMPDIR:-/tmp}/dicomq-rest.XXXXXX")
port=${DICOMQ_BENCH_PORT:-8043}
daemon=
cleanup() { [ -n "$daemon" ] && kill "$daemon" 2>/dev/null && wait "$daemon" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

# The create-dicom body: Orthanc's JSON with the PNG as a data URI.
target/release/examples/create_dicom_bench 1 "$work/noisy.png" >/dev/null
python3 - "$work/noisy.png" "$work/create.json" <<'PY'
import base64, json, sys
png = base64.b64encode(open(sys.argv[1], "rb").read()).decode()
json.dump({"Tags": {"PatientID": "BENCH", "PatientName": "BENCH"},
           "Content": "data:image/png;base64," + png}, open(sys.argv[2], "w"))
PY
cat > "$work/post.lua" <<'LUA'
local f = io.open(os.getenv("BODY"), "rb")
wrk.method = "POST"
wrk.body = f:read("*a")
wrk.headers["Content-Type"] = "application/json"
f:close()
LUA

"$bin" --home "$work/home" daemon --http "127.0.0.1:$port" 2>"$work/daemon.log" &
daemon=$!
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/system" >/dev/null && break; sleep 0.05; done
job=$("$bin" --home "$work/home" debug sleep-job --steps 1 --step-ms 1 --async)
"$bin" --home "$work/home" jobs wait "$job" >/dev/null

orthanc=false
if [ -x "$peer" ] && "$peer" exec curl -sf http://127.0.0.1:8042/system >/dev/null 2>&1; then
  orthanc=true
  opid=$(cat "${ORTHANC_PEER_DIR:-${TMPDIR:-/tmp}/orthanc-peer}/orthanc.pid")
  inst=$("$peer" exec curl -sf -X POST http://127.0.0.1:8042/tools/create-dicom \
    -d '{"Tags":{"PatientName":"BENCH"}}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["ParentStudy"])')
  ojob=$("$peer" exec curl -sf -X POST "http://127.0.0.1:8042/studies/$inst/archive" \
    -d '{"Asynchronous":true}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["ID"])')
  for _ in $(seq 100); do
    "$peer" exec curl -sf "http://127.0.0.1:8042/jobs/$ojob" | grep -q '"Success"' && break; sleep 0.1
  done
fi

# One wrk run against PID's server: "requests/s µs-of-server-CPU-per-request".
measure() { # pid wrk-command...
  local pid=$1; shift
  local t0 t1 out
  t0=$(awk '{print $14 + $15}' "/proc/$pid/stat")
  out=$(BODY="$work/create.json" "$@")
  t1=$(awk '{print $14 + $15}' "/proc/$pid/stat")
  echo "$out" | awk -v ticks=$((t1 - t0)) -v hz="$(getconf CLK_TCK)" '
    /requests in/ {n = $1} /Requests\/sec/ {r = $2}
    END {printf "%s %.1f\n", r, ticks / hz * 1e6 / n}'
}
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
run() { # label threads conns dicomq-path orthanc-path [wrk args]
  local label=$1 threads=$2 conns=$3 path=$4 opath=$5; shift 5
  local d=() o=() args=(-t"$threads" -c"$conns" -d"${secs}s" "$@")
  for _ in $(seq "$rounds"); do
    d+=("$(measure "$daemon" wrk "${args[@]}" "http://127.0.0.1:$port$path")")
    if $orthanc; then
      o+=("$(measure "$opid" "$peer" exec wrk "${args[@]}" "http://127.0.0.1:8042$opath")")
    fi
  done
  local dr dc; dr=$(printf '%s\n' "${d[@]}" | cut -d' ' -f1 | median); dc=$(printf '%s\n' "${d[@]}" | cut -d' ' -f2 | median)
  if $orthanc; then
    local or oc; or=$(printf '%s\n' "${o[@]}" | cut -d' ' -f1 | median); oc=$(printf '%s\n' "${o[@]}" | cut -d' ' -f2 | median)
    printf '%-18s -t%s -c%-3s dicomq %7.0f req/s %6.1f µs CPU/req | orthanc %7.0f req/s %6.1f µs CPU/req | ratio %.2f req/s, %.2f CPU\n' \
      "$label" "$threads" "$conns" "$dr" "$dc" "$or" "$oc" "$(echo "$dr/$or" | bc -l)" "$(echo "$oc/$dc" | bc -l)"
  else
    printf '%-18s -t%s -c%-3s dicomq %7.0f req/s %6.1f µs CPU/req (no orthanc-peer running)\n' "$label" "$threads" "$conns" "$dr" "$dc"
  fi
}
echo "machine: $(nproc) cores, $(uname -r); medians of $rounds × ${secs}s, dicomq and Orthanc in turn"
for tc in "2 8" "2 16" "2 64" "1 16"; do
  set -- $tc
  run "GET /jobs/{id}" "$1" "$2" "/jobs/$job" "/jobs/${ojob:-}"
done
for tc in "2 4" "2 16"; do
  set -- $tc
  run "POST create-dicom" "$1" "$2" /tools/create-dicom /tools/create-dicom -s "$work/post.lua"
done
