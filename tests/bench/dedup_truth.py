#!/usr/bin/env python3
"""dedup_truth.py IN.jsonl REJECTS.jsonl THRESHOLD — precision and recall of a
`dedup --mode near` run (one input file, no --priority) against brute-force
Jaccard of word 5-gram sets over the view dedup hashes (roles and contents,
NFC and case folded, words split at whitespace and punctuation: ASCII
punctuation and Unicode categories P*, as dedup(1) says).

Truth: every pair of records whose exact Jaccard is >= THRESHOLD is joined;
the connected components are the true groups (dedup joins transitively too).
In each true group the first record survives and the others should go.

  recall     share of the records that should go that dedup dropped
  precision  share of the records dedup dropped whose "dup_of" survivor is in
             their true group (strict: a drop to the wrong survivor, or of a
             record with no true duplicate, counts against it)

Every pair of records sharing a shingle is compared exactly (an inverted index
over all shingles, no sampling), which is all pairs with a Jaccard above 0."""
import json, string, sys, unicodedata
from collections import defaultdict

SEP = set(" \t\n\r\f\v\x1f" + string.punctuation)

def words_of(t):
    out, cur = [], []
    for ch in unicodedata.normalize("NFC", t).casefold():
        if ch in SEP or (ord(ch) > 127 and unicodedata.category(ch).startswith("P")):
            if cur:
                out.append("".join(cur)); cur = []
        else:
            cur.append(ch)
    if cur:
        out.append("".join(cur))
    return out

def view(r):
    words = []
    for m in r["messages"]:
        words.extend(words_of(m["role"]))
        words.extend(words_of(m["content"]))
    return words

def shingles(w):
    if len(w) < 5:
        return {" ".join(w)}
    return {" ".join(w[i:i + 5]) for i in range(len(w) - 4)}

def jaccard(a, b):
    sa, sb = shingles(view(a)), shingles(view(b))
    return len(sa & sb) / len(sa | sb)

def main():
    recs = [json.loads(l) for l in open(sys.argv[1])]
    rej = [json.loads(l) for l in open(sys.argv[2])]
    thr = float(sys.argv[3])
    ids = [r["id"] for r in recs]
    pos = {i: k for k, i in enumerate(ids)}
    S = [frozenset(hash(s) for s in shingles(view(r))) for r in recs]

    parent = list(range(len(recs)))
    def find(x):
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    idx = defaultdict(list)
    for i, s in enumerate(S):
        for h in s:
            idx[h].append(i)
    overlap = defaultdict(int)
    for lst in idx.values():
        for a in range(len(lst)):
            for b in range(a + 1, len(lst)):
                overlap[(lst[a], lst[b])] += 1
    npairs = 0
    for (i, j), inter in overlap.items():
        if inter / (len(S[i]) + len(S[j]) - inter) >= thr:
            npairs += 1
            a, b = find(i), find(j)
            if a != b:
                parent[max(a, b)] = min(a, b)   # the root is the first record
    should = {i for i in range(len(recs)) if find(i) != i}
    dropped = [pos[r["id"]] for r in rej]
    good = sum(1 for r in rej if find(pos[r["id"]]) == find(pos[r["dup_of"]]))
    hit = sum(1 for i in dropped if i in should)
    p = good / len(rej) if rej else 1.0
    rc = hit / len(should) if should else 1.0
    print("records %d, pairs with Jaccard >= %.2f: %d, records that should go %d, dropped %d, "
          "precision %.3f, recall %.3f" % (len(recs), thr, npairs, len(should), len(rej), p, rc))

if __name__ == "__main__":
    main()
