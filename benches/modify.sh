#!/usr/bin/env bash
# Modification throughput: one study of N generated MR instances of ~SIZE bytes (default 600 ×
# 512 KB ≈ 300 MB, two series, `examples/gen_study.rs`) modified (Replace PatientName and
# StudyDescription, new UIDs) or anonymized (each server's default PS3.15 profile) as a synchronous job with KeepSource true, by
# dicomq (files stored with `dicomq store`, daemon over HTTP) and by the real Orthanc
# (`orthanc-peer`, files POSTed), in one run; ROUNDS calls each (the new study is deleted
# between rounds); prints both medians in instances/s and MB/s, and their ratio. Every new
# instance is committed durably by both before the job answers.
# Usage: benches/modify.sh [modify|anonymize] [N] [SIZE] [ROUNDS]
set -euo pipefail
cd "$(dirname "$0")/.."
mode=${1:-modify}
n=${2:-600}
size=${3:-524288}
rounds=${4:-3}
tools=${DICOMQ_TOOLS:-$(cd .. && pwd)/shared/tools}
[ -d "$tools" ] || tools=/work/shared/tools
peer=$tools/orthanc-peer
target=$(cargo metadata --format-version 1 --no-deps |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')
cargo build --release -q --example gen_study
if [ -z "${DICOMQ_BIN:-}" ]; then
  cargo build --release -q --bin dicomq
  DICOMQ_BIN=$target/release/dicomq
fi
work=$(mktemp -d "${TMPDIR:-/tmp}/dicomq-modify.XXXXXX")
export ORTHANC_PEER_DIR=$work/orthanc
port=${DICOMQ_BENCH_PORT:-8048}
daemon=
cleanup() {
  [ -n "$daemon" ] && kill "$daemon" 2>/dev/null && wait "$daemon" 2>/dev/null
  "$peer" stop >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

"$target/release/examples/gen_study" "$work/files" "$n" "$size"
mb=$(du -sm "$work/files" | cut -f1)
"$DICOMQ_BIN" --home "$work/home" store "$work/files" >/dev/null
"$DICOMQ_BIN" --home "$work/home" daemon --http "127.0.0.1:$port" 2>"$work/daemon.log" &
daemon=$!
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/system" >/dev/null && break; sleep 0.05; done
"$peer" start >/dev/null

cat >"$work/client.py" <<'PY'
import http.client, json, os, statistics, sys, time
url, mode, rounds = sys.argv[1], sys.argv[2], int(sys.argv[3])
host, port = url.split("//")[1].split(":")
c = http.client.HTTPConnection(host, int(port), timeout=3600); c.connect()
def call(method, path, body=None, raw=False):
    data = body if raw or body is None else json.dumps(body)
    c.request(method, path, body=data, headers={} if body is None else {"Content-Type": "application/json"})
    r = c.getresponse(); d = r.read()
    if r.status >= 400: raise SystemExit(f"{method} {path}: {r.status} {d[:300]!r}")
    return d
if len(sys.argv) > 4:  # upload the files first
    d = sys.argv[4]
    for f in sorted(os.listdir(d)):
        with open(os.path.join(d, f), "rb") as fh: call("POST", "/instances", fh.read(), raw=True)
study = json.loads(call("GET", "/studies"))[0]
count = len(json.loads(call("GET", f"/studies/{study}/instances?expand=false")))
body = {"Replace": {"PatientName": "Modified^Bench", "StudyDescription": "Modified"}} \
    if mode == "modify" else {}  # each server's default profile (Orthanc 1.10 knows no 2023b)
per = []
for _ in range(rounds):
    t = time.perf_counter()
    new = json.loads(call("POST", f"/studies/{study}/{mode}", body))
    per.append(time.perf_counter() - t)
    call("DELETE", f"/studies/{new['ID']}")
print(f"{statistics.median(per):.3f} {count}")
PY
read -r ds dcount < <(python3 "$work/client.py" "http://127.0.0.1:$port" "$mode" "$rounds")
read -r os ocount < <("$peer" exec python3 "$work/client.py" http://127.0.0.1:8042 "$mode" "$rounds" "$work/files")
echo "machine: $(nproc) cores, $(uname -r), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "$mode of one study, $n instances, $mb MB, median of $rounds:"
printf 'dicomq : %.2f s, %.0f instances/s, %.1f MB/s (%s instances)\n' "$ds" "$(echo "$dcount/$ds" | bc -l)" "$(echo "$mb/$ds" | bc -l)" "$dcount"
printf 'orthanc: %.2f s, %.0f instances/s, %.1f MB/s (%s instances)\n' "$os" "$(echo "$ocount/$os" | bc -l)" "$(echo "$mb/$os" | bc -l)" "$ocount"
printf 'ratio orthanc/dicomq (how many times faster): %.2f\n' "$(echo "$os/$ds" | bc -l)"
