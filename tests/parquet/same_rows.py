#!/usr/bin/env python3
"""same_rows.py SOURCE.jsonl OUT.jsonl — the rows parquet-cat printed equal the
rows the fixture was written from (as values: floats compared as float32 when
they were written as FLOAT)."""
import json, math, sys

def eq(a, b):
    if isinstance(a, float) or isinstance(b, float):
        return isinstance(a, (int, float)) and isinstance(b, (int, float)) and math.isclose(a, b, rel_tol=1e-6)
    if isinstance(a, list):
        return isinstance(b, list) and len(a) == len(b) and all(eq(x, y) for x, y in zip(a, b))
    if isinstance(a, dict):
        return isinstance(b, dict) and set(a) == set(b) and all(eq(a[k], b[k]) for k in a)
    return a == b

src = [json.loads(l) for l in open(sys.argv[1])]
out = [json.loads(l) for l in open(sys.argv[2])]
if len(src) != len(out):
    sys.exit("rows: %d, source has %d" % (len(out), len(src)))
for i, (a, b) in enumerate(zip(src, out)):
    if not eq(a, b):
        sys.exit("row %d differs:\n  source %s\n  parquet-cat %s" % (i, json.dumps(a)[:400], json.dumps(b)[:400]))
