#!/usr/bin/env python3
"""gen_chat.py MB [SEED] — write about MB megabytes of realistic chat JSONL to
stdout: {"id","source","messages":[...],"domain"} records with prose, code
blocks, escapes, non-ASCII text and a sprinkling of the cases filters look for.
Deterministic for a given seed. Used by the benches; nothing it writes is committed."""
import json, random, sys

WORDS = ("the of and to in is you that it he was for on are as with his they at be this have from "
         "or one had by word but not what all were we when your can said there use an each which she "
         "do how their if will up other about out many then them these so some her would make like "
         "function return value array string object error memory thread buffer pointer compile test "
         "python rust parse token model data file line code system user assistant please explain why").split()
NONASCII = ["café", "naïve", "中文文本", "日本語", "한국어", "Привет", "emoji 😀", "ü", "→", "…"]
CODE = ['def f(x):\n    return x * 2\n', 'for (int i = 0; i < n; i++) {\n\tsum += a[i];\n}\n',
        'fn main() {\n    println!("{}", "hi");\n}\n', 'SELECT id, name FROM users WHERE id = 42;\n',
        'const x = {"a": 1, "b": [1, 2, 3]};\nconsole.log(x);\n']
SOURCES = ["allenai/Dolci-Instruct-SFT", "nvidia/OpenMathInstruct-2",
           "ise-uiuc/Magicoder-Evol-Instruct-110K", "open-r1/codeforces-cots/solutions"]
DOMAINS = ["Coding", "Math", "Chat", "Science", "Safety", "Multilingual"]

def sentence(r):
    n = r.randint(5, 25)
    ws = [r.choice(WORDS) for _ in range(n)]
    if r.random() < 0.15:
        ws.insert(r.randrange(len(ws)), r.choice(NONASCII))
    s = " ".join(ws)
    return s[0].upper() + s[1:] + r.choice([".", ".", "?", "!"])

def text(r, paras):
    out = []
    for _ in range(paras):
        out.append(" ".join(sentence(r) for _ in range(r.randint(2, 6))))
        if r.random() < 0.3:
            out.append("```\n" + r.choice(CODE) + "```")
    t = "\n\n".join(out)
    x = r.random()
    if x < 0.01:
        t += "\n\n![diagram](https://example.com/a.png)"
    elif x < 0.02:
        t = "<image>\n" + t
    elif x < 0.03:
        t += '\n<tool_call>\n{"name": "search", "arguments": {"q": "x"}}\n</tool_call>'
    return t

def main():
    mb = float(sys.argv[1]) if len(sys.argv) > 1 else 100
    r = random.Random(int(sys.argv[2]) if len(sys.argv) > 2 else 1)
    target = int(mb * 1e6)
    written = 0
    i = 0
    out = sys.stdout
    while written < target:
        msgs = []
        if r.random() < 0.2:
            msgs.append({"role": "system", "content": sentence(r)})
        for _ in range(r.choice([1, 1, 1, 2, 3])):
            msgs.append({"role": "user", "content": text(r, r.randint(1, 2))})
            msgs.append({"role": "assistant", "content": text(r, r.randint(1, 5))})
        rec = {"id": "gen/%d" % i, "source": r.choice(SOURCES), "messages": msgs,
               "domain": r.choice(DOMAINS)}
        line = json.dumps(rec, ensure_ascii=r.random() < 0.5) + "\n"
        out.write(line)
        written += len(line.encode())
        i += 1

if __name__ == "__main__":
    main()
