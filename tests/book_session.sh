#!/usr/bin/env bash
# The Orthanc Book's "advanced REST" curl session, run against dicomq. $ORTHANC is the base URL
# (the Book's http://localhost:8042); $STUDY is a stored study; $WORK a scratch directory.
# Exits non-zero, saying which step, when an answer is not what the Book shows.
set -euo pipefail
fail() { echo "book session: $*" >&2; exit 1; }
cd "$WORK"

# Jobs: an asynchronous archive, polled, then downloaded.
job=$(curl -s "$ORTHANC/studies/$STUDY/archive" -X POST -d '{"Asynchronous":true}' \
      | python3 -c 'import json,sys; d=json.load(sys.stdin); assert d["Path"]=="/jobs/"+d["ID"]; print(d["ID"])') \
  || fail "async archive did not answer {ID, Path}"
for _ in $(seq 100); do
  state=$(curl -s "$ORTHANC/jobs/$job" | python3 -c 'import json,sys; print(json.load(sys.stdin)["State"])')
  [ "$state" = Success ] && break
  [ "$state" = Failure ] && fail "archive job failed"
  sleep 0.1
done
[ "$state" = Success ] || fail "archive job still $state"
curl -s "$ORTHANC/jobs/$job" | python3 -c '
import json,sys
d=json.load(sys.stdin)
assert d["Type"]=="Archive", d
assert isinstance(d["Content"]["ArchiveSize"], str) and isinstance(d["Content"]["UncompressedSizeMB"], int), d
assert d["Progress"]==100 and "CompletionTime" in d, d' || fail "job JSON not Orthanc's"
curl -s "$ORTHANC/jobs/$job/archive" > archive.zip
python3 -m zipfile -t archive.zip >/dev/null || fail "downloaded archive is not a valid ZIP"
curl -s "$ORTHANC/jobs" | python3 -c "import json,sys; assert '$job' in json.load(sys.stdin)" || fail "GET /jobs"

# create-dicom: a PDF attached to the study.
pdf=$(printf '%%PDF-1.4\n%%%%EOF\n' | base64 -w0)
answer=$(curl -s "$ORTHANC/tools/create-dicom" -X POST -d \
  "{\"Tags\" : {\"Modality\" : \"OT\"}, \"Content\" : \"data:application/pdf;base64,$pdf\", \"Parent\" : \"$STUDY\"}")
instance=$(echo "$answer" | python3 -c "import json,sys; d=json.load(sys.stdin); assert d['ParentStudy']=='$STUDY', d; print(d['ID'])") \
  || fail "create-dicom with a Parent: $answer"
curl -s "$ORTHANC/instances/$instance/pdf" > back.pdf
[ "$(base64 -w0 < back.pdf)" = "$pdf" ] || fail "the PDF did not come back byte for byte"

# Metrics: on, off, on.
[ "$(curl -s "$ORTHANC/tools/metrics")" = 1 ] || fail "metrics not enabled by default"
# (read whole before grep: `grep -q` quits at the first match, and under pipefail curl's
# SIGPIPE on the rest would fail the check)
metrics=$(curl -s "$ORTHANC/tools/metrics-prometheus")
grep -q '^orthanc_count_instances ' <<<"$metrics" || fail "no orthanc_count_instances"
curl -s "$ORTHANC/tools/metrics" -X PUT -d '0'
[ "$(curl -s "$ORTHANC/tools/metrics")" = 0 ] || fail "metrics not disabled"
[ -z "$(curl -s "$ORTHANC/tools/metrics-prometheus")" ] || fail "disabled metrics not empty"
curl -s "$ORTHANC/tools/metrics" -X PUT -d '1'
metrics=$(curl -s "$ORTHANC/tools/metrics-prometheus")
grep -q '^orthanc_count_instances ' <<<"$metrics" || fail "metrics not back"
echo "book session: ok"
