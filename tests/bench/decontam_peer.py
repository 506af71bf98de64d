#!/usr/bin/env python3
"""decontam_peer.py KEPT REJECTS BENCH... < records — the peer of decontam's
bench: lm-evaluation-harness's decontamination method, written here as a small
reference. Text is lower-cased, ASCII punctuation is removed and the rest is
split on whitespace; the benchmark side is a set of 13-grams of the same fields
decontam indexes; a record is contaminated when any 13-gram of any message's
content is in the set. Kept lines go to KEPT as read, dropped ones to REJECTS
with "reason" and "detail" (for tests/fixtures/decontam/score.py)."""
import json, string, sys

N = 13
TABLE = str.maketrans("", "", string.punctuation)
FIELDS = ["prompt", "canonical_solution", "text", "code", "test_list", "question", "problem", "question_content"]

def words(s):
    return s.lower().translate(TABLE).split()

def grams(ws):
    return (" ".join(ws[i:i + N]) for i in range(len(ws) - N + 1))

def items(path):
    with open(path, encoding="utf-8") as f:
        head = f.read(1)
        f.seek(0)
        rows = json.load(f) if head == "[" else (json.loads(l) for l in f if l.strip())
        for r in rows:
            yield r

index = set()
for path in sys.argv[3:]:
    for r in items(path):
        for k in FIELDS:
            v = r.get(k)
            if isinstance(v, list):
                v = "\n".join(x for x in v if isinstance(x, str))
            if isinstance(v, str):
                index.update(grams(words(v)))
kept = open(sys.argv[1], "w", encoding="utf-8")
rej = open(sys.argv[2], "w", encoding="utf-8")
for line in sys.stdin:
    r = json.loads(line)
    hit = False
    for m in r.get("messages") or []:
        c = m.get("content")
        if isinstance(c, str) and any(g in index for g in grams(words(c))):
            hit = True
            break
    if hit:
        r["reason"] = "contaminated"
        r["detail"] = "13-gram"
        rej.write(json.dumps(r, ensure_ascii=False) + "\n")
    else:
        kept.write(line)
