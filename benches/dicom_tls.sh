#!/usr/bin/env bash
# DICOM TLS against plain TCP, both ways, with DCMTK as the other side:
#  1. receive: N generated small MR files (default 500 × ~10 KB, examples/gen_files) sent by
#     storescu on ONE association to dicomq's SCP, plain and `+tls` (mutual: storescu presents
#     a client certificate, dicomq requires it), a fresh home each run;
#  2. send: one study of N instances (examples/gen_study) sent by `dicomq send` (through the
#     daemon) to storescp, plain and `+tls` (`--require-peer-cert`: our client certificate
#     checked), storescp writing the files to disk.
# Runs alternate plain and TLS (RUNS each, default 3) so that other load hits both alike; prints
# the medians, instances/s and the TLS/plain time ratio. Certificates (EC P-256) are made by
# openssl in the work directory. TCP_NODELAY=1 is exported for DCMTK (as in receive.sh and
# send.sh: without it storescp waits on Nagle's algorithm and measures that).
# Measured 2026-12-01 on 2 vCPU shared with other builds (load average 7-9: noisy), 500 × 10 KB.
# Medians of 3: storescu -> dicomq 93 instances/s plain, 89 TLS (TLS/plain time 1.05); dicomq
# send -> storescp 1208/s plain, 1249/s TLS (0.97). Medians of 5: receive 84 vs 76/s (1.10),
# send 746 vs 1022/s (0.73, noise). Receiving is bound by one durable commit per instance, so
# TLS adds 5-10 %; sending is within the noise.
# Usage: benches/dicom_tls.sh [N] [RUNS] [SIZE]
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-500}
runs=${2:-3}
size=${3:-10000}
for t in storescu storescp openssl; do
  command -v $t >/dev/null || { echo "$t is needed" >&2; exit 2; }
done
export TCP_NODELAY=1
target=$(cargo metadata --format-version 1 --no-deps |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')
cargo build --release -q --bin dicomq --example gen_files --example gen_study
bin=${DICOMQ_BIN:-$target/release/dicomq}
work=$(mktemp -d "${TMPDIR:-/tmp}/dicomq-dicom-tls.XXXXXX")
port=${DICOMQ_BENCH_DICOM_PORT:-11114}
scp_port=${DICOMQ_BENCH_SCP_PORT:-11115}
tls_scp_port=${DICOMQ_BENCH_TLS_SCP_PORT:-11116}
daemon= scp= tscp=
cleanup() {
  for p in $daemon $scp $tscp; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
now() { date +%s.%N; }

# A CA and two leaves (dicomq's, the DCMTK side's).
pki=$work/pki
mkdir -p "$pki"
ec=(-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes)
openssl req -x509 "${ec[@]}" -keyout "$pki/ca.key" -out "$pki/ca.pem" -days 1 -subj /CN=ca 2>/dev/null
# rustls takes X.509 version 3 only: openssl issues that when given extensions.
echo "subjectAltName=DNS:localhost,IP:127.0.0.1" >"$pki/ext"
for leaf in dicomq dcmtk; do
  openssl req "${ec[@]}" -keyout "$pki/$leaf.key" -out "$pki/$leaf.csr" -subj "/CN=$leaf" 2>/dev/null
  openssl x509 -req -in "$pki/$leaf.csr" -CA "$pki/ca.pem" -CAkey "$pki/ca.key" \
    -CAcreateserial -out "$pki/$leaf.crt" -days 1 -extfile "$pki/ext" 2>/dev/null
done
tls_options="\"DicomTlsCertificate\": \"$pki/dicomq.crt\", \"DicomTlsPrivateKey\": \"$pki/dicomq.key\",
  \"DicomTlsTrustedCertificates\": \"$pki/ca.pem\""
dcmtk_tls=(+tls "$pki/dcmtk.key" "$pki/dcmtk.crt" +cf "$pki/ca.pem")

start_daemon() { # home, extra daemon args...
  local home=$1; shift
  "$bin" --home "$home" daemon "$@" 2>"$work/daemon.log" &
  daemon=$!
  for _ in $(seq 400); do [ -S "$home/daemon.sock" ] && return; sleep 0.05; done
  echo "the daemon did not start:" >&2; cat "$work/daemon.log" >&2; exit 1
}
stop_daemon() { kill "$daemon"; wait "$daemon" 2>/dev/null || true; daemon=; }
count() { "$bin" --home "$1" --json ls instances | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))'; }

# 1. receive
"$target/release/examples/gen_files" "$work/src" "$n" "$size"
files=("$work"/src/*.dcm)
rp=() rt=()
for r in $(seq "$runs"); do
  for mode in plain tls; do
    home=$work/rx-$mode-$r
    mkdir -p "$home"
    scu_tls=()
    if [ $mode = tls ]; then
      echo "{\"DicomTlsEnabled\": true, $tls_options}" >"$home/config.json"
      scu_tls=("${dcmtk_tls[@]}")
    fi
    start_daemon "$home" --dicom "127.0.0.1:$port"
    sync
    t0=$(now)
    storescu -aec DICOMQ -to 60 "${scu_tls[@]}" 127.0.0.1 "$port" "${files[@]}" ||
      { cat "$work/daemon.log" >&2; exit 1; }
    t1=$(now)
    got=$(count "$home")
    stop_daemon
    [ "$got" = "$n" ] || { echo "dicomq ($mode) stored $got of $n" >&2; exit 1; }
    if [ $mode = tls ]; then rt+=("$(echo "$t1 - $t0" | bc -l)"); else rp+=("$(echo "$t1 - $t0" | bc -l)"); fi
    rm -rf "$home"
  done
done

# 2. send
"$target/release/examples/gen_study" "$work/study" "$n" "$size"
home=$work/tx
mkdir -p "$home" "$work/rx-plain" "$work/rx-tls"
cat >"$home/config.json" <<JSON
{ $tls_options,
  "DicomModalities": {
    "plain": {"AET": "STORESCP", "Host": "127.0.0.1", "Port": $scp_port},
    "tls": {"AET": "STORESCP", "Host": "127.0.0.1", "Port": $tls_scp_port, "UseDicomTls": true}}}
JSON
"$bin" --home "$home" store "$work/study" >/dev/null
study=$("$bin" --home "$home" --json ls studies | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["ID"])')
storescp -aet STORESCP -od "$work/rx-plain" "$scp_port" >"$work/scp-plain.log" 2>&1 &
scp=$!
storescp -aet STORESCP --require-peer-cert "${dcmtk_tls[@]}" -od "$work/rx-tls" "$tls_scp_port" \
  >"$work/scp-tls.log" 2>&1 &
tscp=$!
start_daemon "$home"
sleep 0.5
sp=() st=()
for r in $(seq "$runs"); do
  for mode in plain tls; do
    rm -rf "$work/rx-$mode"/*
    sync
    t0=$(now)
    "$bin" --home "$home" send "$mode" "$study" >/dev/null
    t1=$(now)
    got=$(find "$work/rx-$mode" -type f | wc -l)
    [ "$got" = "$n" ] || { echo "storescp ($mode) received $got of $n" >&2; exit 1; }
    if [ $mode = tls ]; then st+=("$(echo "$t1 - $t0" | bc -l)"); else sp+=("$(echo "$t1 - $t0" | bc -l)"); fi
  done
done
stop_daemon

report() { # label, plain times, tls times
  local p t
  p=$(printf '%s\n' $2 | median)
  t=$(printf '%s\n' $3 | median)
  printf '%s: plain %.2f s (%.0f instances/s), TLS %.2f s (%.0f instances/s), TLS/plain time %.2f\n' \
    "$1" "$p" "$(echo "$n/$p" | bc -l)" "$t" "$(echo "$n/$t" | bc -l)" "$(echo "$t/$p" | bc -l)"
}
echo "machine: $(nproc) cores, $(uname -r), $n files of ~$size bytes, runs=$runs alternating (medians)"
report "storescu -> dicomq SCP" "${rp[*]}" "${rt[*]}"
report "dicomq send -> storescp" "${sp[*]}" "${st[*]}"
