#!/usr/bin/env python3
"""dedup_truth.py IN.jsonl KEPT.jsonl THRESHOLD — precision and recall of a
dedup run against brute-force Jaccard of word 5-gram sets (the same normalized
view dedup uses: roles and contents, lower case, whitespace collapsed).
A pair is a true duplicate when its Jaccard >= THRESHOLD. Recall: of the records
that have a true duplicate earlier in the input, the share dropped. Precision:
of the records dropped, the share that have a true duplicate (at >= THRESHOLD
- 0.1, the estimate's tolerance band) among all records."""
import json, sys
def view(r):
    parts = []
    for m in r["messages"]:
        parts.append(m["role"] + "\x1f" + " ".join(m["content"].lower().split()))
    return " ".join(" ".join(parts).replace("\x1f", " ").split())
def shingles(t):
    w = t.split(" ")
    return {" ".join(w[i:i + 5]) for i in range(max(1, len(w) - 4))}
recs = [json.loads(l) for l in open(sys.argv[1])]
kept = {json.loads(l)["id"] for l in open(sys.argv[2])}
thr = float(sys.argv[3])
S = [shingles(view(r)) for r in recs]
# candidate pairs: brute force over all pairs sharing the user prompt is too narrow;
# compare every pair within an inverted index of rare shingles (exact, all pairs with overlap)
from collections import defaultdict
idx = defaultdict(list)
for i, s in enumerate(S):
    for sh in s:
        idx[sh].append(i)
best = [0.0] * len(recs)      # max Jaccard with an earlier record
bestany = [0.0] * len(recs)   # max Jaccard with any other record
seen = set()
for lst in idx.values():
    if len(lst) < 2 or len(lst) > 200: continue
    for a in range(len(lst)):
        for b in range(a + 1, len(lst)):
            i, j = lst[a], lst[b]
            if (i, j) in seen: continue
            seen.add((i, j))
            inter = len(S[i] & S[j])
            J = inter / (len(S[i]) + len(S[j]) - inter)
            if J > best[j]: best[j] = J
            bestany[i] = max(bestany[i], J); bestany[j] = max(bestany[j], J)
dups = [i for i in range(len(recs)) if best[i] >= thr]
dropped = [i for i in range(len(recs)) if recs[i]["id"] not in kept]
tp = sum(1 for i in dropped if bestany[i] >= thr - 0.1)
rec_hit = sum(1 for i in dups if recs[i]["id"] not in kept)
p = tp / len(dropped) if dropped else 1.0
r = rec_hit / len(dups) if dups else 1.0
print("records %d, true duplicates (J >= %.2f) %d, dropped %d, precision %.3f, recall %.3f" % (len(recs), thr, len(dups), len(dropped), p, r))
