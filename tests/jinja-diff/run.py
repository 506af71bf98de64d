#!/usr/bin/env python3
"""run.py SEED N [OUT] -- render N random templates of seed SEED with both
jinja2 and sftkit's engine and report where they disagree (see harness.py
for the rule). Each mismatch goes to OUT (JSON lines: t, reason, py, c);
the exit status is 1 when there is one. See README.md."""
import collections, copy, json, os, random, resource, sys, time, warnings

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
resource.setrlimit(resource.RLIMIT_AS, (3 << 30, 3 << 30))
warnings.filterwarnings("ignore", category=SyntaxWarning)   # jinja2's compiled code for 1[0]
from harness import run_py, run_c, compare
import gen_rand

seed, n = int(sys.argv[1]), int(sys.argv[2])
outf = sys.argv[3] if len(sys.argv) > 3 else 'mismatches-%d.jsonl' % seed
random.seed(seed)
tmpls = [gen_rand.template() for _ in range(n)]
t0 = time.time()
cres = run_c([(t, gen_rand.VJSON) for t in tmpls])
t1 = time.time()
kinds = collections.Counter()
bad = []
for t, c in zip(tmpls, cres):
    p = run_py(t, copy.deepcopy(gen_rand.VARS))
    kinds[p[0] + c[0]] += 1
    r = compare(p, c)
    if r:
        bad.append({'t': t, 'reason': r, 'py': p, 'c': [c[0], c[1].decode('utf-8', 'replace')]})
t2 = time.time()
with open(outf, 'w') as f:
    for b in bad:
        f.write(json.dumps(b, ensure_ascii=False) + '\n')
print('seed %d: %d templates, %d mismatches (%s); outcomes python+sftkit %s; sftkit %.1f s, jinja2 %.1f s'
      % (seed, n, len(bad), outf, ', '.join('%s %d' % kv for kv in sorted(kinds.items())), t1 - t0, t2 - t1))
for b in bad[:int(os.environ.get('SHOW', '5'))]:
    print('  ' + b['reason'] + ': ' + repr(b['t'])[:200])
    print('    jinja2: ' + repr(b['py'])[:200])
    print('    sftkit: ' + repr(b['c'])[:200])
sys.exit(1 if bad else 0)
