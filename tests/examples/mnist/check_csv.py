#!/usr/bin/env python3
"""Checks a CSV file the MNIST experiment scripts wrote.

  check_csv.py FILE --header a,b,c [--numeric a,b] [--rows N] [--finite a]
               [--allow-nan-if COLUMN] [--range COL:LO:HI]...

--header    the exact header row
--rows      the exact number of data rows
--numeric   columns that must parse as floats in every row ('nan' allowed)
--finite    columns that must be finite numbers in every row, except rows
            where the --allow-nan-if column is non-empty (diverged runs)
--range     COL's finite values must lie in [LO, HI]
--pattern   COL:REGEX, every non-empty value must match REGEX in full
Exits 1 with a message naming file, row and column on the first problem.
"""
import argparse
import csv
import math
import re
import sys


def main():
    p = argparse.ArgumentParser()
    p.add_argument("file")
    p.add_argument("--header", required=True)
    p.add_argument("--rows", type=int)
    p.add_argument("--numeric", default="")
    p.add_argument("--finite", default="")
    p.add_argument("--allow-nan-if", default="")
    p.add_argument("--range", action="append", default=[])
    p.add_argument("--pattern", action="append", default=[])
    a = p.parse_args()

    def fail(msg):
        print("FAIL: %s: %s" % (a.file, msg), file=sys.stderr)
        sys.exit(1)

    with open(a.file, newline="") as f:
        rows = list(csv.reader(f))
    if not rows:
        fail("empty file")
    header, data = rows[0], rows[1:]
    if header != a.header.split(","):
        fail("header %s, expected %s" % (",".join(header), a.header))
    if a.rows is not None and len(data) != a.rows:
        fail("%d data rows, expected %d" % (len(data), a.rows))
    if not data:
        fail("no data rows")
    col = {name: i for i, name in enumerate(header)}
    ranges = [(c, float(lo), float(hi)) for c, lo, hi in (r.split(":") for r in a.range)]
    patterns = [r.split(":", 1) for r in a.pattern]
    for n, row in enumerate(data, start=2):
        if len(row) != len(header):
            fail("line %d has %d fields, expected %d" % (n, len(row), len(header)))
        excused = a.allow_nan_if and row[col[a.allow_nan_if]] != ""
        for c in filter(None, a.numeric.split(",")):
            try:
                float(row[col[c]])
            except ValueError:
                fail("line %d, column %s: '%s' is not a number" % (n, c, row[col[c]]))
        for c in filter(None, a.finite.split(",")):
            try:
                v = float(row[col[c]])
            except ValueError:
                v = float("nan")
            if not math.isfinite(v) and not excused:
                fail("line %d, column %s: '%s' is not a finite number" % (n, c, row[col[c]]))
        for c, lo, hi in ranges:
            v = float(row[col[c]])
            if math.isfinite(v) and not lo <= v <= hi:
                fail("line %d, column %s: %g outside [%g, %g]" % (n, c, v, lo, hi))
        for c, regex in patterns:
            if row[col[c]] and not re.fullmatch(regex, row[col[c]]):
                fail("line %d, column %s: '%s' does not match %s" % (n, c, row[col[c]], regex))
    print("ok: %s (%d rows)" % (a.file, len(data)))


if __name__ == "__main__":
    main()
