# dedup-jaccard: near mode against brute force on planted pairs. A near
# duplicate is a measured one: pairs at exact Jaccard 0.76-0.78 (which MinHash
# often estimates at 0.8 or more) stay, variants that differ only in
# punctuation go, and precision >= 0.99, recall >= 0.95 at 0.8
# (tests/bench/dedup_truth.py computes every pair's Jaccard).
. "$SFTKIT_ROOT/tests/cli/lib.sh"
python3 - "$T" "$SFTKIT_ROOT/tests/bench" <<'PY'
import json, random, sys
sys.path.insert(0, sys.argv[2])
from dedup_truth import jaccard
T = sys.argv[1]
rnd = random.Random(16)
syl = ["ka", "lo", "mi", "ta", "ren", "sul", "vo", "pe", "dra", "ni", "os", "qu", "el", "ar", "in", "to", "ma", "ze"]
vocab = sorted({"".join(rnd.choice(syl) for _ in range(rnd.randint(2, 4))) for _ in range(8000)})
PUNCT = [",", ",", ";", ":", " -", "!", "?", "'", ")", "\u2014"]   # U+2014 is Unicode punctuation (Pd)
def prose(k):
    out = []
    for i, w in enumerate(rnd.choices(vocab, k=k)):
        if i and rnd.random() < 0.25:
            out[-1] += rnd.choice(PUNCT)
        out.append(w.capitalize() if rnd.random() < 0.1 else w)
    return " ".join(out) + "."
def repunct(t):
    """the same words, other punctuation: commas dropped or doubled, periods
    turned into semicolons, quotes around words, no space after some commas"""
    ws = t.split(" ")
    for i in range(len(ws)):
        w = ws[i].rstrip(",;:!?).\u2014-'") if rnd.random() < 0.5 else ws[i]
        r = rnd.random()
        if r < 0.2: w = '"' + w + '"'
        elif r < 0.35: w += "..."
        elif r < 0.45: w = "(" + w + ")"
        ws[i] = w
    return " ".join(ws).replace(", ", ",", 5)
def rec(rid, kind, u, a):
    return {"id": rid, "source": "s", "kind": kind, "messages": [{"role": "user", "content": u}, {"role": "assistant", "content": a}]}
def variant(r, lo, hi, rid, kind):
    """a copy of r with words replaced until its exact Jaccard is in [lo, hi]"""
    base = r["messages"][1]["content"].split(" ")
    k = 2
    for _ in range(400):
        ws = list(base)
        for _ in range(k):
            ws[rnd.randrange(len(ws))] = rnd.choice(vocab)
        v = rec(rid, kind, r["messages"][0]["content"], " ".join(ws))
        j = jaccard(r, v)
        if lo <= j <= hi: return v, j
        k = max(1, k + (1 if j > hi else -1))
    raise SystemExit("no variant in [%g, %g]" % (lo, hi))
out, n = [], 0
def new(kind):
    global n
    n += 1
    return rec("%s-%d" % (kind, n), kind, "Question %d: %s" % (n, prose(8)), prose(rnd.randint(150, 260)))
js = {"hard": [], "near": []}
for f in range(400):
    k = f % 4
    if k == 0:                       # unrelated
        out.append(new("single"))
    elif k == 1:                     # a family at 0.82-0.98: the copies go
        b = new("near"); out.append(b)
        for c in range(rnd.randint(1, 2)):
            lo = rnd.uniform(0.82, 0.95)
            v, j = variant(b, lo, lo + 0.03, b["id"] + "/v%d" % c, "near_copy"); out.append(v); js["near"].append(j)
    elif k == 2:                     # only the punctuation differs: the copy goes
        b = new("punct"); out.append(b)
        v = rec(b["id"] + "/p", "punct_copy", b["messages"][0]["content"].rstrip("?") + "?!", repunct(b["messages"][1]["content"]))
        assert jaccard(b, v) == 1.0
        out.append(v)
    else:                            # a pair at 0.76-0.78: both stay
        b = new("hard"); out.append(b)
        v, j = variant(b, 0.76, 0.78, b["id"] + "/h", "hard_copy"); out.append(v); js["hard"].append(j)
rnd.shuffle(out)
with open(T + "/in.jsonl", "w") as f:
    f.writelines(json.dumps(r, ensure_ascii=False) + "\n" for r in out)
print("# planted: records, pairs at 0.76-0.78 (range), copies at 0.82-0.98 (range):", len(out), len(js["hard"]), "%.3f-%.3f" % (min(js["hard"]), max(js["hard"])), len(js["near"]), "%.3f-%.3f" % (min(js["near"]), max(js["near"])))
PY
read -r nrec nhard hardr nnear nearr <<EOF
$(python3 -c 'import json,sys
from collections import Counter
c = Counter(json.loads(l)["kind"] for l in open(sys.argv[1]))
print(sum(c.values()), c["hard_copy"], "-", c["near_copy"], "-")' "$T/in.jsonl")
EOF
t_ok "planted: $nhard pairs at 0.76-0.78, $nnear copies at 0.82-0.98, in $nrec records" test "$nhard" -ge 90
dedup --mode near --rejects "$T/rej.jsonl" "$T/in.jsonl" >"$T/out.jsonl" 2>"$T/e"
t_eq "no record of a pair at 0.76-0.78 is dropped" 0 "$(jq -r 'select(.kind=="hard" or .kind=="hard_copy")|.id' "$T/rej.jsonl" | wc -l | tr -d ' ')"
t_eq "one of each punctuation-only pair is dropped (the later one)" 100 "$(jq -r 'select((.kind=="punct" or .kind=="punct_copy") and .reason=="near_duplicate")|.id' "$T/rej.jsonl" | wc -l | tr -d ' ')"
q=$(python3 "$SFTKIT_ROOT/tests/bench/dedup_truth.py" "$T/in.jsonl" "$T/rej.jsonl" 0.8)
p=$(echo "$q" | sed -n 's/.*precision \([0-9.]*\).*/\1/p')
r=$(echo "$q" | sed -n 's/.*recall \([0-9.]*\).*/\1/p')
t_ok "precision >= 0.99 against brute force ($q)" awk "BEGIN { exit !($p >= 0.99) }"
t_ok "recall >= 0.95 against brute force" awk "BEGIN { exit !($r >= 0.95) }"
t_eq "kept + dropped = read" "$nrec" "$(($(wc -l <"$T/out.jsonl") + $(wc -l <"$T/rej.jsonl")))"
# --against: the reference records are read back from the spool for verification too
jq -c 'select(.kind=="hard" or .kind=="punct")' "$T/in.jsonl" >"$T/ref.jsonl"
jq -c 'select(.kind=="hard_copy" or .kind=="punct_copy")' "$T/in.jsonl" >"$T/cand.jsonl"
t_eq "--against: punctuation variants go, 0.76-0.78 pairs stay" "100 $nhard" \
	"$(dedup -q --mode near --against "$T/ref.jsonl" --rejects "$T/rej2.jsonl" "$T/cand.jsonl" >/dev/null; jq -r .kind "$T/rej2.jsonl" | grep -c punct_copy) $(dedup -q --mode near --against "$T/ref.jsonl" "$T/cand.jsonl" | jq -r .kind | grep -c hard_copy)"
