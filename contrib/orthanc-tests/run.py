#!/usr/bin/env python3
"""Runs Orthanc's published integration tests (Tests/Tests.py of orthanc-tests) against a
`dicomq daemon --http`, as a compatibility check outside dicomq's own test suite.

    contrib/orthanc-tests/run.py ORTHANC_TESTS_DIR [--dicomq target/release/dicomq] [TEST...]

ORTHANC_TESTS_DIR is a checkout of https://orthanc.uclouvain.be/hg/orthanc-tests/ (or its GitHub
mirror orthanc-mirrors/orthanc-tests); nothing is downloaded. Needs python3 with httplib2,
Pillow and numpy (Tests.py imports them). Without TEST names, runs DEFAULT_TESTS: the tests
whose routes dicomq serves. The daemon runs on a fresh home in a temporary directory.

Adaptations, each because dicomq lacks what Orthanc's harness assumes, never to hide a difference:
- Orthanc's setUp and DropOrthanc also reset Lua callbacks, exports, modalities, peers and
  transfer-syntax settings, which dicomq does not have: here they empty the store, and the
  changes log (dicomq logs `Deleted`; Orthanc drops the changes of a deleted resource, so its
  log is empty after DropOrthanc).
- Tests.py gates behaviours on the server's version (`IsOrthancVersionAbove`); dicomq reports
  its own version, so the gate answers as Orthanc EMULATED_VERSION would: the 1.12 behaviours
  are the ones tested.
- Parts of Tests.py are still Python 2 (`str + base64.b64encode(...)`, `check_output(...)
  .split('\\n')`, `StringIO` over bytes): its `base64`, `subprocess` and `StringIO` names get
  Python 3 stand-ins that keep those lines meaning what they meant.
- Python 2's view of answers (`python2_answers`): a body that is not JSON is its raw bytes,
  `dict.keys()` is a list, and bytes compare equal to the text they spell.
- The daemon's config.json holds the options of Orthanc's test configuration
  (GenerateConfigurationForTests.py) that dicomq knows (CONFIG below; others are ignored).
"""

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import unittest

EMULATED_VERSION = "1.13.0"  # the tag of the orthanc-tests this was written against

# Left out although they touch these routes, because they also need routes outside issue 13:
# test_upload and test_upload_2 (attachments), test_rest_find and test_find_normalize
# (/tools/count-resources, C-FIND), test_jobs_user_data (C-MOVE: issue 15). The tests of
# issue 14's routes (test_modify_*, test_anonymize_*, test_split*, test_merge*) are run by
# naming them.
DEFAULT_TESTS = """
test_hierarchy test_delete_cascade
test_delete_cascade_with_multiple_instances test_changes test_changes_2 test_statistics
test_archive test_archive_with_patient_ids_collision test_media_archive test_async_archive
test_archive_job_delete_output test_media_encodings test_extended_media test_bitbucket_issue_124
test_archive_utf8 test_content_disposition
test_create test_create_pdf test_create_series test_create_binary test_create_sequence
test_create_png16RBGA test_encapsulate_stl test_embed_jpeg test_bitbucket_issue_141
test_oob_monochrome_2 test_private_tags
test_raw_tags test_raw_tags_mdn test_instances_tags test_rendered
test_rest_find_limit test_lookup
test_lookup_find_case_sensitivity test_resources_since_limit test_series_status
test_upload_compressed test_upload_zip test_upload_dicomdir_archive
""".split()


# From orthanc-tests' GenerateConfigurationForTests.py: the options its tests rely on.
CONFIG = {
    "DefaultEncoding": "Utf8",
    "MediaArchiveSize": 1,
    "JobsHistorySize": 1000,
    "OverwriteInstances": True,
    "LimitFindInstances": 20,
    "LimitFindResults": 10,
    "DefaultPrivateCreator": "Lunit",
    "Dictionary": {
        "00e1,10c2": ["UI", "PET-CT Multi Modality Name", 1, 1, "ELSCINT1"],
        "7053,1003": ["ST", "Original Image Filename", 1, 1, "Philips PET Private Group"],
        "4321,1012": ["LO", "RadioButton3", 1, 1, "RadioLogic"],
        "0009,1001": ["DS", "Abnormality score", 1, 1, "Lunit"],
        "0009,0010": ["LO", "Private data element", 1, 1, "Lunit"],
        "0405,1001": ["CS", "PatternType", 1, 1, "99CZM_CapeCod_OctSettings"],
        "0405,101a": ["FL", "SignalStrength", 1, 1, "99CZM_CapeCod_OctSettings"],
        "0407,1001": ["US", "UndefinedPrivateTag1001", 1, 1, "99CZM_CapeCod_OctGeneral"],
        "0407,1002": ["US", "UndefinedPrivateTag1002", 1, 1, "99CZM_CapeCod_OctGeneral"],
        "0407,1003": ["US", "UndefinedPrivateTag1003", 1, 1, "99CZM_CapeCod_OctGeneral"],
        "0407,1005": ["SQ", "OCTCubeSequence2", 1, 1, "99CZM_CapeCod_OctGeneral"],
        "0407,10a1": ["SQ", "OCTCubeSequence", 1, 1, "99CZM_CapeCod_OctGeneral"],
        "2301,1002": ["CS", "Favorite", 1, 1, "99CZM_FORUM"],
    },
}


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("orthanc_tests", help="checkout of orthanc-tests")
    parser.add_argument("--dicomq", default="target/release/dicomq")
    parser.add_argument("tests", nargs="*", help="test names (default: DEFAULT_TESTS)")
    args = parser.parse_args()

    tests_dir = os.path.join(os.path.abspath(args.orthanc_tests), "Tests")
    if not os.path.isfile(os.path.join(tests_dir, "Tests.py")):
        sys.exit(f"error: {args.orthanc_tests}: no Tests/Tests.py (an orthanc-tests checkout?)")
    dicomq = os.path.abspath(args.dicomq)
    home = tempfile.mkdtemp(prefix="dicomq-orthanc-tests-")
    with open(os.path.join(home, "config.json"), "w") as f:
        json.dump(CONFIG, f, indent=2)
    port = free_port()
    # Orthanc's tests authenticate as alice; dicomq asks for credentials only off loopback.
    daemon = subprocess.Popen(
        [dicomq, "--home", home, "daemon", "--http", f"127.0.0.1:{port}"],
        stdout=subprocess.DEVNULL,
        stderr=open(os.path.join(home, "daemon.log"), "w"),
    )
    try:
        run(tests_dir, port, args.tests or DEFAULT_TESTS)
    finally:
        daemon.terminate()
        daemon.wait(timeout=30)
        print(f"daemon log: {home}/daemon.log", file=sys.stderr)


def python2_idioms(module):
    """Stand-ins for the Python 2 idioms left in Tests.py (see the module comment)."""
    import base64
    import io
    import types

    def public(m):
        return {n: getattr(m, n) for n in dir(m) if not n.startswith("__")}

    class Text(str):
        """base64 text that Python 2 lines concatenate and Python 3 lines `.decode()`."""

        def decode(self, *_):
            return str(self)

    def b64encode(data):
        raw = data.encode("latin-1") if isinstance(data, str) else data
        return Text(base64.b64encode(raw).decode("ascii"))

    module.base64 = types.SimpleNamespace(**{**public(base64), "b64encode": b64encode})
    module.subprocess = types.SimpleNamespace(**{
        **public(subprocess),
        "check_output": lambda *a, **k: subprocess.check_output(*a, **k).decode("utf-8", "replace"),
    })
    module.StringIO = lambda v=None: io.StringIO(v) if isinstance(v, str) else io.BytesIO(v or b"")


def python2_answers(toolbox, tests_module, testcase):
    """Python 2's view of the answers: Tests.py indexes `dict.keys()`, takes a body that is not
    JSON as its raw bytes (a Python 2 `str`) and compares such bytes with literals of the
    UTF-8 source file or `.encode()`d text. Here a body that is not JSON stays bytes that take
    str arguments (`Py2Bytes`), and so do the reads of files Tests.py opens in binary mode; a
    JSON object's `keys()` is a list, and bytes equal a str when they are its UTF-8 or latin-1
    spelling."""
    import json

    class Py2Dict(dict):
        def keys(self):
            return list(super().keys())

    def as_bytes(x):
        return x.encode("latin-1") if isinstance(x, str) else x

    def spellings(text):
        forms = [text.encode("utf-8")]
        try:
            forms.append(text.encode("latin-1"))
        except UnicodeEncodeError:
            pass
        return forms

    class Py2Bytes(bytes):
        """A body as Python 2 saw it: bytes that take str arguments and equal the text they
        spell."""

        def __eq__(self, other):
            if isinstance(other, str):
                return bytes(self) in spellings(other)
            return bytes.__eq__(self, other)

        def __ne__(self, other):
            return not self.__eq__(other)

        __hash__ = bytes.__hash__

        def __add__(self, other):
            return Py2Bytes(bytes(self) + as_bytes(other))

        def __radd__(self, other):
            return Py2Bytes(as_bytes(other) + bytes(self))

        def strip(self, chars=None):
            return Py2Bytes(bytes.strip(self, as_bytes(chars)))

        def rstrip(self, chars=None):
            return Py2Bytes(bytes.rstrip(self, as_bytes(chars)))

        def lstrip(self, chars=None):
            return Py2Bytes(bytes.lstrip(self, as_bytes(chars)))

        def split(self, sep=None, maxsplit=-1):
            return [Py2Bytes(p) for p in bytes.split(self, as_bytes(sep), maxsplit)]

        def replace(self, old, new, count=-1):
            return Py2Bytes(bytes.replace(self, as_bytes(old), as_bytes(new), count))

    class Py2File:
        """A file opened in binary mode whose reads are `Py2Bytes`."""

        def __init__(self, f):
            self.f = f

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.f.close()

        def read(self, *a):
            return Py2Bytes(self.f.read(*a))

        def __getattr__(self, name):
            return getattr(self.f, name)

    def py2_open(file, mode="r", *a, **k):
        f = open(file, mode, *a, **k)
        return Py2File(f) if "b" in mode and "r" in mode else f

    def decode_json(s):
        try:
            return json.loads(s, object_pairs_hook=Py2Dict)
        except ValueError:
            return Py2Bytes(s) if isinstance(s, bytes) else s

    toolbox.DecodeJson = decode_json
    tests_module.open = py2_open
    plain_equal = testcase.assertEqual

    def assert_equal(self, first, second, msg=None):
        if isinstance(first, bytes) != isinstance(second, bytes) and all(
                isinstance(x, (bytes, str)) for x in (first, second)):
            raw, text = (first, second) if isinstance(first, bytes) else (second, first)
            if bytes(raw) in spellings(text):
                return
        plain_equal(self, first, second, msg)

    testcase.assertEqual = assert_equal


def run(tests_dir, port, names):
    sys.path.insert(0, tests_dir)
    import Toolbox  # noqa: E402  (from the orthanc-tests checkout)
    import Tests  # noqa: E402

    remote = Toolbox.DefineOrthanc(server="127.0.0.1", restPort=port,
                                   username="alice", password="orthanctest")
    deadline = time.time() + 30
    while True:
        try:
            Toolbox.DoGet(remote, "/statistics")
            break
        except Exception:
            if time.time() > deadline:
                sys.exit("error: the dicomq daemon did not answer within 30 s")
            time.sleep(0.1)
    # LOCAL is Orthanc's second server (for DICOM networking tests): not used by DEFAULT_TESTS.
    Tests.SetOrthancParameters(remote, remote, False)

    def drop(orthanc):
        for p in Toolbox.DoGet(orthanc, "/patients"):
            Toolbox.DoDelete(orthanc, f"/patients/{p}")
        Toolbox.DoDelete(orthanc, "/changes")

    def set_up(self):
        import warnings
        warnings.simplefilter("ignore", ResourceWarning)
        drop(remote)
        try:
            Toolbox.DoPut(remote, "/tools/default-encoding", "Latin1")
        except Exception:
            pass

    def version_above(orthanc, major, minor, revision):
        return Toolbox.IsVersionAbove(EMULATED_VERSION, major, minor, revision)

    python2_idioms(Tests)
    python2_answers(Toolbox, Tests, Tests.Orthanc)

    # Tests.py imports these names with `from Toolbox import *`: patch both modules.
    for module in (Toolbox, Tests):
        module.DropOrthanc = drop
        module.IsOrthancVersionAbove = version_above
    Tests.Orthanc.setUp = set_up
    suite = unittest.TestSuite(Tests.Orthanc(name) for name in names)
    result = unittest.TextTestRunner(verbosity=2).run(suite)
    passed = result.testsRun - len(result.failures) - len(result.errors)
    print(f"\n{passed} of {result.testsRun} Orthanc integration tests pass against dicomq")
    for test, _ in result.failures + result.errors:
        print(f"  not passing: {test.id().rsplit('.', 1)[-1]}")
    sys.exit(0 if result.wasSuccessful() else 1)


if __name__ == "__main__":
    main()
