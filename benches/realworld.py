#!/usr/bin/env python3
"""Real-world tree check: dicomq against DCMTK and Orthanc, file by file.

    benches/realworld.py TREE [DICOMQ_BINARY]

For every file under TREE: does DCMTK's dcmdump read it, does it carry the UIDs Orthanc needs
(StudyInstanceUID, SeriesInstanceUID, SOPInstanceUID), does `dicomq store` store it, and with
which instance ID; and, when `../shared/tools/orthanc-peer start` runs an Orthanc, which ID
Orthanc gives it (POST /instances). Prints one line per disagreement and a summary; exits 1 when
dicomq refuses a file that DCMTK reads and that has the UIDs, or when an ID differs from
Orthanc's. Run it from the repository root. Needs dcmdump; Orthanc is optional.
"""
import json
import os
import subprocess
import sys
import tempfile
import urllib.request

ORTHANC_PEER = os.path.join(os.path.dirname(__file__), "..", "..", "shared", "tools", "orthanc-peer")
UIDS = ["0020,000d", "0020,000e", "0008,0018"]


def dcmtk_reads(path):
    """(readable, has the three UIDs) as dcmdump sees it."""
    r = subprocess.run(["dcmdump", "-q", "+E", path], capture_output=True, text=True, errors="replace")
    if r.returncode != 0 or "E: " in r.stderr:
        return False, False
    has = all(f"({u})" in r.stdout and f"({u}) UI (no value" not in r.stdout for u in UIDS)
    return True, has


def orthanc_id(path):
    """Orthanc's instance ID for the file, or None (not stored / no Orthanc)."""
    pid = os.path.join(os.environ.get("TMPDIR", "/tmp"), "orthanc-peer", "orthanc.pid")
    if not os.path.exists(pid):
        return None
    r = subprocess.run([ORTHANC_PEER, "exec", "curl", "-s", "-X", "POST",
                        "--data-binary", "@" + path, "http://127.0.0.1:8042/instances"],
                       capture_output=True, text=True)
    try:
        answer = json.loads(r.stdout)
    except ValueError:
        return None
    return answer.get("ID") if isinstance(answer, dict) else None


def store_all(binary, home, files, results):
    """Stores files in one call; False when its output is not the JSON array (a crash)."""
    r = subprocess.run([binary, "--home", home, "--json", "store", *files],
                       capture_output=True, text=True)
    try:
        views = json.loads(r.stdout)
    except ValueError:
        for f in files:
            results[f] = ({}, r.stderr.strip() or f"exit {r.returncode}")
        return False
    for v in views:
        results[v.get("Path")] = (v, "")
    return True


def main():
    if len(sys.argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    tree = sys.argv[1]
    binary = sys.argv[2] if len(sys.argv) > 2 else "target/release/dicomq"
    files = sorted(os.path.join(d, f) for d, _, fs in os.walk(tree) for f in fs)
    if not files:
        print(f"{tree}: no files", file=sys.stderr)
        return 2
    home = tempfile.mkdtemp(prefix="dicomq-realworld-")
    results = {}
    for batch in [files] if store_all(binary, home, files, results) else [[f] for f in files]:
        store_all(binary, home, batch, results)
    bad = 0
    counts = {"files": len(files), "dcmtk_reads": 0, "with_uids": 0, "stored": 0,
              "orthanc_compared": 0}
    for f in files:
        readable, has_uids = dcmtk_reads(f)
        view, err = results[f]
        stored = view.get("Status") in ("Success", "AlreadyStored")
        counts["dcmtk_reads"] += readable
        counts["with_uids"] += readable and has_uids
        counts["stored"] += stored
        if readable and has_uids and not stored:
            bad += 1
            print(f"REFUSED  {f}: {view.get('Error') or err}")
        elif stored and not readable:
            print(f"note     {f}: stored, but dcmdump does not read it cleanly")
        theirs = orthanc_id(f)
        if stored and theirs:
            counts["orthanc_compared"] += 1
            if theirs != view.get("ID"):
                bad += 1
                print(f"ID DIFF  {f}: dicomq {view.get('ID')} orthanc {theirs}")
    print(json.dumps(counts))
    print(f"{bad} disagreement(s)")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
