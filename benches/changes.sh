#!/usr/bin/env bash
# GET /changes?limit=100 latency: a daemon with N instances made by create-dicom (default 2000,
# 50 patients), one keep-alive client, median of 500 calls from spread `since` values.
# Usage: benches/changes.sh [N]
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-2000}
if [ -z "${DICOMQ_BIN:-}" ]; then
  cargo build --release -q --bin dicomq
  target=$(cargo metadata --format-version 1 --no-deps |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')
  DICOMQ_BIN=$target/release/dicomq
fi
work=$(mktemp -d "${TMPDIR:-/tmp}/dicomq-changes.XXXXXX")
port=${DICOMQ_BENCH_PORT:-8046}
daemon=
cleanup() { [ -n "$daemon" ] && kill "$daemon" 2>/dev/null && wait "$daemon" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
"$DICOMQ_BIN" --home "$work/home" daemon --http "127.0.0.1:$port" 2>"$work/daemon.log" &
daemon=$!
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/system" >/dev/null && break; sleep 0.05; done
python3 - "$port" "$n" <<'PY'
import http.client, json, statistics, sys, time, base64, struct, zlib
port, n = int(sys.argv[1]), int(sys.argv[2])
c = http.client.HTTPConnection("127.0.0.1", port); c.connect()
def call(method, path, body=None):
    c.request(method, path, body=None if body is None else json.dumps(body),
              headers={"Content-Type": "application/json"} if body is not None else {})
    r = c.getresponse(); d = r.read()
    if r.status >= 400: raise SystemExit(f"{method} {path}: {r.status} {d[:200]!r}")
    return d
def png():
    raw = b"\x00\x00\x00\x00"
    ch = lambda t, d: struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d) & 0xffffffff)
    return b"\x89PNG\r\n\x1a\n" + ch(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)) + ch(b"IDAT", zlib.compress(raw)) + ch(b"IEND", b"")
uri = "data:image/png;base64," + base64.b64encode(png()).decode()
for i in range(n):
    call("POST", "/tools/create-dicom", {"Tags": {"PatientID": f"P{i % 50}"}, "Content": uri})
last = json.loads(call("GET", "/changes?last"))["Last"]
per = []
for k in range(500):
    since = (k * 97) % max(1, last - 100)
    t = time.perf_counter(); call("GET", f"/changes?since={since}&limit=100"); per.append(time.perf_counter() - t)
print(f"machine: {__import__('os').cpu_count()} cores; {last} changes; GET /changes?limit=100: median {statistics.median(per)*1e3:.3f} ms, p90 {sorted(per)[450]*1e3:.3f} ms (500 calls, one keep-alive client)")
PY
