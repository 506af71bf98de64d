#!/usr/bin/env python3
"""gen_dups.py N WORDS SEED — N conversations of about WORDS words of natural-ish
text, with planted near duplicates (word edits, insertions, deletions, swapped
sentences, whitespace) in families, as JSONL with "id", "source", "family"."""
import json, random, sys
n, words, seed = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
rnd = random.Random(seed)
vocab = [w for w in open("/usr/share/dict/words").read().split() if w.isalpha()][:50000] if __import__("os").path.exists("/usr/share/dict/words") else None
if not vocab:
    syl = ["ka", "lo", "mi", "ta", "ren", "sul", "vo", "pe", "dra", "ni", "os", "qu", "el", "ar", "in", "to", "ma", "ze"]
    vocab = sorted({"".join(rnd.choice(syl) for _ in range(rnd.randint(1, 4))) for _ in range(60000)})
# Zipf-like word frequencies make texts share common words, as prose does
weights = [1.0 / (i + 1) ** 0.9 for i in range(len(vocab))]
def text(k):
    ws = rnd.choices(vocab, weights=weights, k=k)
    out, s = [], []
    for w in ws:
        s.append(w)
        if len(s) > rnd.randint(8, 20):
            out.append(" ".join(s).capitalize() + "."); s = []
    if s: out.append(" ".join(s) + ".")
    return " ".join(out)
def mutate(t, strength):
    ws = t.split(" ")
    for _ in range(max(1, int(len(ws) * strength))):
        op = rnd.random()
        i = rnd.randrange(len(ws))
        if op < 0.4: ws[i] = rnd.choice(vocab)
        elif op < 0.7: ws.insert(i, rnd.choice(vocab))
        elif len(ws) > 10: del ws[i]
    t = " ".join(ws)
    if rnd.random() < 0.3: t = t.replace(" ", "  ", 3).replace(". ", ".\n", 2)
    return t
i = 0
while i < n:
    base = text(words)
    fam = i
    print(json.dumps({"id": str(i), "source": "s%d" % (i % 3), "family": fam, "messages": [{"role": "user", "content": "Question %d?" % (fam % 97)}, {"role": "assistant", "content": base}]}))
    i += 1
    if rnd.random() < 0.3:      # a family of near copies, some close, some far
        for _ in range(rnd.randint(1, 3)):
            if i >= n: break
            s = rnd.choice([0.005, 0.02, 0.05, 0.1, 0.2])
            print(json.dumps({"id": str(i), "source": "s%d" % (i % 3), "family": fam, "messages": [{"role": "user", "content": "Question %d?" % (fam % 97)}, {"role": "assistant", "content": mutate(base, s)}]}))
            i += 1
