#!/bin/sh
# Regenerates src/dicom/anonymize/profile_*.rs from the standard's table (see README.md).
# Needs a clone of https://github.com/innolitics/dicom-standard with its history: REPO=/path/to/it.
set -eu
: "${REPO:?set REPO to a clone of innolitics/dicom-standard}"
here=$(cd "$(dirname "$0")" && pwd)
out="$here/../../src/dicom/anonymize"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
U=https://github.com/innolitics/dicom-standard

gen() { # edition commit path-in-repo input-suffix note
    git -C "$REPO" show "$2:$3" > "$tmp/input.$4"
    python3 "$here/generate.py" --edition "$1" --source-note "$5" "$tmp/input.$4" > "$out/profile_$1.rs"
    rustfmt --edition 2024 "$out/profile_$1.rs" # as `cargo fmt` would leave it
}

gen 2024b 8670abdd9ad16c61af5146ef857899699bdd9c5f standard/confidentiality_profile_attributes.json json \
    "$U standard/confidentiality_profile_attributes.json at commit 8670abdd9ad16c61af5146ef857899699bdd9c5f (\"Update standard to rev2024b\"), extracted by that project from NEMA's HTML of PS3.15 2024b."
gen 2017a bcd5f67b54884b0d13d01bd376ea3dabf00edc8c dicom_standard/standard/part15.html html \
    "NEMA's HTML of PS3.15 2017a (title page \"DICOM PS3.15 2017a\"), as committed in $U dicom_standard/standard/part15.html at commit bcd5f67b54884b0d13d01bd376ea3dabf00edc8c."
