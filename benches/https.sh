#!/usr/bin/env bash
# REST over HTTPS: GET /jobs/{id} with keep-alive (wrk, CONNS connections on one thread, DURATION
# seconds) against `dicomq daemon --http` in plain HTTP, the same daemon in HTTPS, and the real
# Orthanc (`orthanc-peer`, in its own network namespace) in HTTPS with the same certificate (an
# ECDSA P-256 leaf of a test CA made here by openssl), in turn, ROUNDS times each. Prints the
# medians in requests/s, HTTPS/HTTP (target >= 0.80) and dicomq/Orthanc over HTTPS.
# Needs wrk, openssl, curl, python3 and Orthanc (apt-get install wrk openssl curl orthanc).
# DICOMQ_BIN overrides the dicomq binary (default: a release build of this checkout).
# Usage: benches/https.sh [ROUNDS] [DURATION] [CONNS]
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-3}
duration=${2:-5}
conns=${3:-4}
tools=${DICOMQ_TOOLS:-$(cd .. && pwd)/shared/tools}
[ -d "$tools" ] || tools=/work/shared/tools
peer=$tools/orthanc-peer
for t in wrk openssl curl python3; do
  command -v "$t" >/dev/null || { echo "$t is needed (apt-get install $t)" >&2; exit 2; }
done
if [ -z "${DICOMQ_BIN:-}" ]; then
  cargo build --release -q --bin dicomq
  target=$(cargo metadata --format-version 1 --no-deps |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')
  DICOMQ_BIN=$target/release/dicomq
fi
work=$(mktemp -d "${TMPDIR:-/tmp}/dicomq-https.XXXXXX")
export ORTHANC_PEER_DIR=$work/orthanc
port=${DICOMQ_BENCH_PORT:-8045}
daemons=()
stop_daemons() {
  for d in "${daemons[@]}"; do kill "$d" 2>/dev/null || true; wait "$d" 2>/dev/null || true; done
  daemons=()
}
cleanup() {
  stop_daemons
  "$peer" stop >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

# A test CA and a leaf for localhost/127.0.0.1; server.pem holds the chain's leaf and its key.
pki=$work/pki
mkdir -p "$pki"
(
  cd "$pki"
  ec() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:prime256v1 -out "$1" 2>/dev/null; }
  ec ca.key && openssl req -x509 -new -key ca.key -out ca.pem -days 2 -subj /CN=bench-ca
  ec server.key && openssl req -new -key server.key -out server.csr -subj /CN=localhost
  echo "subjectAltName=DNS:localhost,IP:127.0.0.1" >ext
  openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out server.crt \
    -days 1 -extfile ext 2>/dev/null
  cat server.crt server.key >server.pem
)

# One archive job to read, created through the API (as rest-bench.py's get-job does).
png=$(python3 -c 'import base64,struct,zlib
c=lambda t,d: struct.pack(">I",len(d))+t+d+struct.pack(">I",zlib.crc32(t+d)&0xffffffff)
raw=b"".join(b"\0"+bytes(24) for _ in range(8))
p=b"\x89PNG\r\n\x1a\n"+c(b"IHDR",struct.pack(">IIBBBBB",8,8,8,2,0,0,0))+c(b"IDAT",zlib.compress(raw))+c(b"IEND",b"")
print(base64.b64encode(p).decode())')
# make_job CURL_PREFIX... BASE_URL: prints a job ID.
make_job() {
  local base=${*: -1} run=("${@:1:$#-1}")
  local inst series
  inst=$("${run[@]}" -sf -X POST "$base/tools/create-dicom" \
    -d "{\"Tags\": {\"PatientID\": \"BENCH\"}, \"Content\": \"data:image/png;base64,$png\"}" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["ID"])')
  series=$("${run[@]}" -sf "$base/instances/$inst" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["ParentSeries"])')
  "${run[@]}" -sf -X POST "$base/series/$series/archive" -d '{"Asynchronous": true}' |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["ID"])'
}
# rps CMD_PREFIX... URL: wrk's requests/s.
rps() {
  "$@" | awk '/^Requests\/sec:/ {print $2}'
}
wrk_args=(wrk -t1 -c"$conns" -d"${duration}s")

# start_dicomq SCHEME PORT: a daemon on a fresh home, plain or HTTPS.
start_dicomq() {
  local scheme=$1 port=$2 home=$work/home-$1
  mkdir -p "$home"
  if [ "$scheme" = https ]; then
    echo "{\"SslEnabled\": true, \"SslCertificate\": \"$pki/server.pem\"}" >"$home/config.json"
  fi
  "$DICOMQ_BIN" --home "$home" daemon --http "127.0.0.1:$port" 2>"$work/daemon-$scheme.log" &
  daemons+=($!)
  for _ in $(seq 100); do
    curl -sf --cacert "$pki/ca.pem" "$scheme://localhost:$port/system" >/dev/null && return 0
    sleep 0.05
  done
  echo "dicomq did not answer over $scheme; see $work/daemon-$scheme.log" >&2
  exit 1
}

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
dh=() ds=() os=() oh=()
# Both daemons run side by side and the rounds alternate, so that a change of load on the
# machine weighs on both alike; each gets a 1 s warm-up.
start_dicomq http "$port"
start_dicomq https "$((port + 1))"
hurl=http://127.0.0.1:$port/jobs/$(make_job curl "http://127.0.0.1:$port")
surl=https://127.0.0.1:$((port + 1))/jobs/$(make_job curl --cacert "$pki/ca.pem" "https://localhost:$((port + 1))")
wrk -t1 -c"$conns" -d1s "$hurl" >/dev/null
wrk -t1 -c"$conns" -d1s "$surl" >/dev/null
for _ in $(seq "$rounds"); do
  dh+=("$(rps "${wrk_args[@]}" "$hurl")")
  ds+=("$(rps "${wrk_args[@]}" "$surl")")
done
stop_daemons

have_orthanc=0 orthanc_died=
if command -v Orthanc >/dev/null; then
  mkdir -p "$ORTHANC_PEER_DIR/db"
  cat >"$ORTHANC_PEER_DIR/https.json" <<JSON
{ "Name": "peer", "StorageDirectory": "$ORTHANC_PEER_DIR/db", "IndexDirectory": "$ORTHANC_PEER_DIR/db",
  "HttpPort": 8042, "DicomPort": 4242, "RemoteAccessAllowed": false, "AuthenticationEnabled": false,
  "Plugins": [], "ConcurrentJobs": 2, "JobsHistorySize": 1000, "MediaArchiveSize": 1,
  "SslEnabled": true, "SslCertificate": "$pki/server.pem" }
JSON
  # orthanc-peer's start probes plain HTTP: start Orthanc as it does (a private network
  # namespace with only lo), with its PID where `orthanc-peer exec` and `stop` find it, and probe
  # HTTPS instead.
  unshare -n sh -c 'ip link set lo up && exec Orthanc "$@"' sh \
    --logfile="$ORTHANC_PEER_DIR/orthanc.log" "$ORTHANC_PEER_DIR/https.json" \
    >"$ORTHANC_PEER_DIR/stdout" 2>&1 &
  echo $! >"$ORTHANC_PEER_DIR/orthanc.pid"
  for _ in $(seq 150); do
    kill -0 "$(cat "$ORTHANC_PEER_DIR/orthanc.pid")" 2>/dev/null || break
    "$peer" exec curl -sf --cacert "$pki/ca.pem" https://localhost:8042/system >/dev/null 2>&1 &&
      have_orthanc=1 && break
    sleep 0.2
  done
  if [ "$have_orthanc" = 1 ]; then
    ojob=$(make_job "$peer" exec curl --cacert "$pki/ca.pem" https://localhost:8042)
    for _ in $(seq "$rounds"); do
      os+=("$(rps "$peer" exec "${wrk_args[@]}" "https://127.0.0.1:8042/jobs/$ojob")")
    done
  fi
  # Debian's Orthanc 1.10.1 with OpenSSL 3 crashes on its first HTTPS connection (a
  # civetweb-worker segfault in the kernel log): say so rather than print a figure.
  kill -0 "$(cat "$ORTHANC_PEER_DIR/orthanc.pid")" 2>/dev/null ||
    orthanc_died="Orthanc exited during the HTTPS run (kernel log: $(dmesg 2>/dev/null | grep -o 'civetweb-worker.*segfault' | tail -1))"
  # Then its plain HTTP figure bounds what its HTTPS could do.
  if [ -n "$orthanc_died" ]; then
    rm -rf "$ORTHANC_PEER_DIR/db"
    if "$peer" start >/dev/null 2>&1; then
      ojob=$(make_job "$peer" exec curl http://127.0.0.1:8042)
      "$peer" exec wrk -t1 -c"$conns" -d1s "http://127.0.0.1:8042/jobs/$ojob" >/dev/null
      for _ in $(seq "$rounds"); do
        oh+=("$(rps "$peer" exec "${wrk_args[@]}" "http://127.0.0.1:8042/jobs/$ojob")")
      done
    fi
  fi
fi

dhm=$(printf '%s\n' "${dh[@]}" | median)
dsm=$(printf '%s\n' "${ds[@]}" | median)
echo "machine: $(nproc) cores, $(uname -r), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "GET /jobs/{id}, wrk -t1 -c$conns -d${duration}s, keep-alive, requests/s"
echo "dicomq http:   ${dh[*]} (median $dhm)"
echo "dicomq https:  ${ds[*]} (median $dsm)"
printf 'ratio dicomq https/http: %.2f (target >= 0.80)\n' "$(echo "$dsm/$dhm" | bc -l)"
[ -n "$orthanc_died" ] && echo "orthanc https: no figure: $orthanc_died"
if [ ${#oh[@]} -gt 0 ]; then
  ohm=$(printf '%s\n' "${oh[@]}" | median)
  echo "orthanc http:  ${oh[*]} (median $ohm; an upper bound for its https)"
  printf 'ratio dicomq https/orthanc http: %.2f (dicomq/orthanc over https is at least this; target >= 2)\n' \
    "$(echo "$dsm/$ohm" | bc -l)"
fi
if [ "$have_orthanc" = 1 ] && [ -z "$orthanc_died" ]; then
  osm=$(printf '%s\n' "${os[@]}" | median)
  echo "orthanc https: ${os[*]} (median $osm)"
  printf 'ratio dicomq/orthanc over https: %.2f (target >= 2)\n' "$(echo "$dsm/$osm" | bc -l)"
fi
