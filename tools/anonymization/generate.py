#!/usr/bin/env python3
"""Turn PS3.15 Table E.1-1 (Application Level Confidentiality Profile Attributes) into a Rust table.

Stdlib only. Two inputs are understood:

* the HTML rendering of PS3.15 that NEMA publishes (part15.html, the table anchored at
  `id="table_E.1-1"`): columns Attribute Name, Tag, Retired, In Std. Comp. IOD, Basic Prof., ...
* the JSON that innolitics/dicom-standard extracts from that same table
  (standard/confidentiality_profile_attributes.json: objects with `name`, `tag`, `basicProfile`).

Only the Basic Profile column is kept. Every tag and action is checked; anything this script
does not recognise stops it, so a new edition cannot slip an unknown action into the code.

Usage:
    generate.py --edition 2020b --source-note "..." part15.html > src/dicom/anonymize/profile_2020b.rs
    generate.py --edition 2024b --source-note "..." confidentiality_profile_attributes.json > ...
"""

import argparse
import html
import html.parser
import json
import re
import sys

# Basic Profile actions of PS3.15 E.1.1 and the Rust variant each becomes.
ACTIONS = {
    "X": "Remove",
    "Z": "Zero",
    "D": "Dummy",
    "U": "ReplaceUid",
    "X/Z": "RemoveOrZero",
    "X/D": "RemoveOrDummy",
    "Z/D": "ZeroOrDummy",
    "X/Z/D": "RemoveOrZeroOrDummy",
    "X/Z/U*": "RemoveOrZeroOrReplaceUids",
    "X/Z/U": "RemoveOrZeroOrReplaceUids",
}

PRIVATE = re.compile(r"^\(gggg,eeee\) where gggg is odd$", re.IGNORECASE)
TAG = re.compile(r"^\(([0-9A-Fa-fxX]{4}),([0-9A-Fa-fxX]{4})\)$")


class TableRows(html.parser.HTMLParser):
    """Collects the text of every cell of the first <table> after the E.1-1 anchor."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.armed = False  # the anchor was seen
        self.depth = 0  # <table> nesting once inside the table
        self.in_body = False
        self.rows = []
        self.cell = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if not self.armed and attrs.get("id") == "table_E.1-1":
            self.armed = True
            return
        if not self.armed or self.rows is None:
            return
        if tag == "table":
            self.depth += 1
        elif self.depth and tag == "tbody":
            self.in_body = True
        elif self.in_body and tag == "tr":
            self.rows.append([])
        elif self.in_body and tag in ("td", "th"):
            self.cell = []

    def handle_endtag(self, tag):
        if not self.depth:
            return
        if tag in ("td", "th") and self.cell is not None:
            self.rows[-1].append(" ".join("".join(self.cell).split()))
            self.cell = None
        elif tag == "tbody":
            self.in_body = False
        elif tag == "table":
            self.depth -= 1
            if not self.depth:
                self.done = list(self.rows)
                self.rows = None

    def handle_data(self, data):
        if self.cell is not None:
            self.cell.append(data)


def rows_from_html(text):
    parser = TableRows()
    parser.feed(text)
    rows = getattr(parser, "done", None)
    if not rows:
        sys.exit("no table after id=\"table_E.1-1\" in the HTML input")
    out = []
    for cells in rows:
        if len(cells) < 5:
            sys.exit(f"row with {len(cells)} cells, expected at least 5: {cells}")
        out.append((cells[0], cells[1], cells[4]))
    return out


def rows_from_json(text):
    return [(r["name"], r["tag"], r.get("basicProfile", "")) for r in json.loads(text)]


def pattern(tag):
    """(group, element) with x digits -> (value, mask) over the 32-bit tag."""
    m = TAG.match(tag.replace(" ", ""))
    if not m:
        sys.exit(f"unrecognised tag {tag!r}")
    digits = (m.group(1) + m.group(2)).upper()
    value = mask = 0
    for d in digits:
        value <<= 4
        mask <<= 4
        if d != "X":
            value |= int(d, 16)
            mask |= 0xF
    return value, mask


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--edition", required=True, help="edition of the standard, e.g. 2020b")
    ap.add_argument("--source-note", required=True, help="where the input came from")
    ap.add_argument("input")
    args = ap.parse_args()
    with open(args.input, encoding="utf-8") as f:
        text = f.read()
    rows = rows_from_json(text) if args.input.endswith(".json") else rows_from_html(text)

    entries = {}
    private = None
    for name, tag, basic in rows:
        name = " ".join(name.split())  # one line: it becomes a Rust comment
        basic = basic.strip()
        if basic not in ACTIONS:
            sys.exit(f"{tag} {name}: unknown Basic Profile action {basic!r}")
        if PRIVATE.match(tag):
            # The row for every private attribute; the Rust side removes them unless told to keep.
            if basic != "X":
                sys.exit(f"private attributes row has action {basic!r}, expected X")
            private = name
            continue
        value, mask = pattern(tag)
        key = (value, mask)
        action = ACTIONS[basic]
        if key in entries and entries[key][1] != action:
            sys.exit(f"{tag} listed twice with different actions")
        entries[key] = (name, action, tag)

    if private is None:
        sys.exit("no row for private attributes (gggg,eeee) where gggg is odd")

    # Exact tags first, sorted, so the Rust side can binary-search them; masks after.
    exact = sorted(k for k in entries if k[1] == 0xFFFFFFFF)
    masked = sorted(k for k in entries if k[1] != 0xFFFFFFFF)
    ident = args.edition.upper()
    w = sys.stdout.write
    w(f"//! PS3.15 {args.edition} Table E.1-1, Basic Profile column: {len(exact)} attributes and\n")
    w(f"//! {len(masked)} group patterns (private attributes: X, handled by the caller).\n")
    w("//! Generated by tools/anonymization/generate.py; do not edit.\n")
    w(f"//! Source: {args.source_note}\n\n")
    w("use super::table::{Action, PatternRow, Row};\n\n")
    w(f"/// The edition this table was generated from.\n")
    w(f"pub const EDITION: &str = \"{args.edition}\";\n\n")
    w("/// Single attributes, sorted by tag.\n")
    w(f"pub static ROWS_{ident}: &[Row] = &[\n")
    for key in exact:
        name, action, _ = entries[key]
        w(f"    Row(0x{key[0]:08X}, Action::{action}), // {name}\n")
    w("];\n\n")
    w("/// Tag patterns such as (50xx,xxxx): a tag matches when `tag & mask == value`.\n")
    w(f"pub static PATTERNS_{ident}: &[PatternRow] = &[\n")
    for key in masked:
        name, action, tag = entries[key]
        w(f"    PatternRow {{ value: 0x{key[0]:08X}, mask: 0x{key[1]:08X}, action: Action::{action} }}, // {tag} {name}\n")
    w("];\n")


if __name__ == "__main__":
    main()
