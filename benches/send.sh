#!/usr/bin/env bash
# C-STORE send throughput: one study of N generated MR instances of ~SIZE bytes (default 2000 ×
# 4 KB, `examples/gen_study.rs`) sent to DCMTK's storescp by dicomq and by the real Orthanc
# (`orthanc-peer`), each with `POST /modalities/scp/store {"Resources": [study], "Synchronous":
# true}` on its REST API, ROUNDS times; prints both medians in instances/s and their ratio.
# Each server sends to its own storescp (Orthanc's runs in Orthanc's loopback-only namespace),
# both writing the received files to disk.
# Usage: benches/send.sh [N] [SIZE] [ROUNDS]. `TCP_NODELAY=1 benches/send.sh` makes both storescps
# answer without Nagle's delay: with DCMTK's default, an SCU that does not ask for an immediate
# ACK (Orthanc) waits ~40 ms per instance, so a default run with N=2000 takes Orthanc minutes
# per round. Measured 2026-12-01 (2 vCPU): TCP_NODELAY=1, 2000 × 4 KB, median of 3: dicomq
# 2466 instances/s, Orthanc 595/s (4.1×); default, 200 instances: dicomq 3571/s, Orthanc 11/s.
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-2000}
size=${2:-4096}
rounds=${3:-5}
tools=${DICOMQ_TOOLS:-$(cd .. && pwd)/shared/tools}
[ -d "$tools" ] || tools=/work/shared/tools
peer=$tools/orthanc-peer
command -v storescp >/dev/null || { echo "storescp (dcmtk) is needed" >&2; exit 2; }
target=$(cargo metadata --format-version 1 --no-deps |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')
cargo build --release -q --example gen_study
if [ -z "${DICOMQ_BIN:-}" ]; then
  cargo build --release -q --bin dicomq
  DICOMQ_BIN=$target/release/dicomq
fi
work=$(mktemp -d "${TMPDIR:-/tmp}/dicomq-send.XXXXXX")
export ORTHANC_PEER_DIR=$work/orthanc
port=${DICOMQ_BENCH_PORT:-8049}
scp_port=${DICOMQ_BENCH_SCP_PORT:-11113}
daemon= scp= oscp=
cleanup() {
  for p in $daemon $scp $oscp; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  "$peer" stop >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

"$target/release/examples/gen_study" "$work/files" "$n" "$size"
mb=$(du -sm "$work/files" | cut -f1)
mkdir -p "$work/home" "$work/orthanc/db" "$work/rx-dicomq" "$work/rx-orthanc"
modalities="{\"scp\": [\"STORESCP\", \"127.0.0.1\", $scp_port]}"
echo "{\"DicomModalities\": $modalities}" >"$work/home/config.json"
cat >"$work/orthanc/orthanc.json" <<JSON
{ "Name": "peer", "StorageDirectory": "$work/orthanc/db", "IndexDirectory": "$work/orthanc/db",
  "HttpPort": 8042, "DicomPort": 4242, "RemoteAccessAllowed": false,
  "AuthenticationEnabled": false, "Plugins": [], "ConcurrentJobs": 2,
  "DicomModalities": $modalities }
JSON
"$DICOMQ_BIN" --home "$work/home" store "$work/files" >/dev/null
storescp -aet STORESCP -od "$work/rx-dicomq" "$scp_port" >"$work/scp-dicomq.log" 2>&1 &
scp=$!
"$DICOMQ_BIN" --home "$work/home" daemon --http "127.0.0.1:$port" 2>"$work/daemon.log" &
daemon=$!
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/system" >/dev/null && break; sleep 0.05; done
"$peer" start "$work/orthanc/orthanc.json" >/dev/null
"$peer" exec storescp -aet STORESCP -od "$work/rx-orthanc" "$scp_port" >"$work/scp-orthanc.log" 2>&1 &
oscp=$!

cat >"$work/client.py" <<'PY'
import http.client, json, os, statistics, sys, time
url, rounds = sys.argv[1], int(sys.argv[2])
host, port = url.split("//")[1].split(":")
c = http.client.HTTPConnection(host, int(port), timeout=3600); c.connect()
def call(method, path, body=None, raw=False):
    data = body if raw or body is None else json.dumps(body)
    c.request(method, path, body=data, headers={} if body is None else {"Content-Type": "application/json"})
    r = c.getresponse(); d = r.read()
    if r.status >= 400: raise SystemExit(f"{method} {path}: {r.status} {d[:300]!r}")
    return d
if len(sys.argv) > 3:  # upload the files first
    d = sys.argv[3]
    for f in sorted(os.listdir(d)):
        with open(os.path.join(d, f), "rb") as fh: call("POST", "/instances", fh.read(), raw=True)
study = json.loads(call("GET", "/studies"))[0]
count = len(json.loads(call("GET", f"/studies/{study}/instances?expand=false")))
per = []
for _ in range(rounds):
    t = time.perf_counter()
    answer = json.loads(call("POST", "/modalities/scp/store", {"Resources": [study], "Synchronous": True}))
    per.append(time.perf_counter() - t)
    if answer.get("FailedInstancesCount", 0): raise SystemExit(f"failed instances: {answer}")
print(f"{statistics.median(per):.3f} {count}")
PY
read -r ds dcount < <(python3 "$work/client.py" "http://127.0.0.1:$port" "$rounds")
read -r os ocount < <("$peer" exec python3 "$work/client.py" http://127.0.0.1:8042 "$rounds" "$work/files")
received_d=$(ls "$work/rx-dicomq" | wc -l)
received_o=$(ls "$work/rx-orthanc" | wc -l)
echo "machine: $(nproc) cores, $(uname -r), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "C-STORE of one study to storescp, $n instances, $mb MB, median of $rounds:"
printf 'dicomq : %.2f s, %.0f instances/s (%s instances, storescp holds %s)\n' "$ds" "$(echo "$dcount/$ds" | bc -l)" "$dcount" "$received_d"
printf 'orthanc: %.2f s, %.0f instances/s (%s instances, storescp holds %s)\n' "$os" "$(echo "$ocount/$os" | bc -l)" "$ocount" "$received_o"
printf 'ratio orthanc/dicomq (how many times faster): %.2f\n' "$(echo "$os/$ds" | bc -l)"
