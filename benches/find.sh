#!/usr/bin/env bash
# POST /tools/find for studies by a PatientName wildcard (`NAME42*`: 1 % of the patients) over
# N studies (default 10 000, one patient each, `examples/gen_studies.rs`): dicomq (files stored
# with `dicomq store`) and the real Orthanc (`orthanc-peer`, files POSTed to /instances), ROUNDS
# timed calls each from one keep-alive client; prints both medians and their ratio, then the
# same search through `dicomq find` (end to end, a fresh process per call, against the daemon).
# Usage: benches/find.sh [N] [ROUNDS]
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-10000}
rounds=${2:-30}
tools=${DICOMQ_TOOLS:-$(cd .. && pwd)/shared/tools}
[ -d "$tools" ] || tools=/work/shared/tools
peer=$tools/orthanc-peer
target=$(cargo metadata --format-version 1 --no-deps |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')
cargo build --release -q --example gen_studies
if [ -z "${DICOMQ_BIN:-}" ]; then
  cargo build --release -q --bin dicomq
  DICOMQ_BIN=$target/release/dicomq
fi
work=$(mktemp -d "${TMPDIR:-/tmp}/dicomq-find.XXXXXX")
export ORTHANC_PEER_DIR=$work/orthanc
port=${DICOMQ_BENCH_PORT:-8047}
daemon=
cleanup() {
  [ -n "$daemon" ] && kill "$daemon" 2>/dev/null && wait "$daemon" 2>/dev/null
  "$peer" stop >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

"$target/release/examples/gen_studies" "$work/files" "$n"
"$DICOMQ_BIN" --home "$work/home" store "$work/files" >/dev/null
"$DICOMQ_BIN" --home "$work/home" daemon --http "127.0.0.1:$port" 2>"$work/daemon.log" &
daemon=$!
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/system" >/dev/null && break; sleep 0.05; done
"$peer" start >/dev/null

cat >"$work/client.py" <<'PY'
import http.client, json, os, statistics, sys, time
url, rounds = sys.argv[1], int(sys.argv[2])
host, port = url.split("//")[1].split(":")
c = http.client.HTTPConnection(host, int(port)); c.connect()
def call(method, path, body=None, raw=False):
    data = body if raw or body is None else json.dumps(body)
    c.request(method, path, body=data, headers={} if body is None else {"Content-Type": "application/json"})
    r = c.getresponse(); d = r.read()
    if r.status >= 400: raise SystemExit(f"{method} {path}: {r.status} {d[:200]!r}")
    return d
if len(sys.argv) > 3:  # upload the files first
    d = sys.argv[3]
    for f in sorted(os.listdir(d)):
        with open(os.path.join(d, f), "rb") as fh: call("POST", "/instances", fh.read(), raw=True)
q = {"Level": "Study", "Query": {"PatientName": "NAME42*"}}
found = len(json.loads(call("POST", "/tools/find", q)))
per = []
for _ in range(rounds):
    t = time.perf_counter(); call("POST", "/tools/find", q); per.append(time.perf_counter() - t)
print(f"{statistics.median(per)*1e3:.2f} {found}")
PY
read -r dm dfound < <(python3 "$work/client.py" "http://127.0.0.1:$port" "$rounds")
read -r om ofound < <("$peer" exec python3 "$work/client.py" http://127.0.0.1:8042 "$rounds" "$work/files")
cli=()
for _ in $(seq 5); do
  s=$(date +%s%N)
  "$DICOMQ_BIN" --home "$work/home" find --level studies 'PatientName=NAME42*' >/dev/null
  cli+=($(( ($(date +%s%N) - s) / 1000000 )))
done
climed=$(printf '%s\n' "${cli[@]}" | sort -n | sed -n 3p)
echo "machine: $(nproc) cores, $(uname -r), load $(cut -d' ' -f1-3 /proc/loadavg); $n studies"
echo "dicomq  /tools/find: median ${dm} ms ($dfound studies found)"
echo "orthanc /tools/find: median ${om} ms ($ofound studies found)"
printf 'ratio orthanc/dicomq (how many times faster): %.1f\n' "$(echo "$om/$dm" | bc -l)"
echo "dicomq find (CLI through the daemon, whole process): median ${climed} ms of 5"
