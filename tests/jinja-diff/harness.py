"""harness.py -- one template rendered by both sides: Python jinja2 set up
as transformers sets it up (the environment of tests/fixtures/jinja/gen.py)
and sftkit's engine (the batch renderer jb, built by `make jinja-diff`), and
the rule for when the two agree."""
import contextlib, io, os, signal, subprocess, sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, '..', 'fixtures', 'jinja'))
with contextlib.redirect_stdout(io.StringIO()):
    from gen import env

JB = os.environ.get('JB', os.path.join(HERE, '..', '..', 'build', 'jinja-diff', 'jb'))


class Timeout(Exception):
    pass


def _alarm(*a):
    raise Timeout()


signal.signal(signal.SIGALRM, _alarm)


def run_py(t, v, secs=2):
    """('O', text), ('E', error) for a render error, ('P', error) for a
    compile error, ('T', '') past secs seconds"""
    signal.alarm(secs)
    try:
        try:
            tm = env.from_string(t)
        except Timeout:
            return ('T', '')
        except Exception as e:
            return ('P', type(e).__name__ + ': ' + str(e))
        try:
            return ('O', tm.render(**v))
        except Timeout:
            return ('T', '')
        except RecursionError:
            return ('E', 'RecursionError')
        except Exception as e:
            return ('E', type(e).__name__ + ': ' + str(e))
    finally:
        signal.alarm(0)


def run_c(cases, timeout=300):
    """cases: (template, variables as JSON) pairs, rendered by jb in one
    process; a list of (kind, bytes), kind 'C' for the case jb died on"""
    res = []
    i = 0
    while i < len(cases):
        chunk = cases[i:]
        data = bytearray()
        for t, vj in chunk:
            tb = t.encode('utf-8', 'surrogatepass')
            vb = vj.encode('utf-8', 'surrogatepass')
            data += b'%d %d\n' % (len(tb), len(vb)) + tb + vb
        p = subprocess.run([JB], input=bytes(data), capture_output=True, timeout=timeout)
        out, pos, got = p.stdout, 0, 0
        while pos < len(out):
            nl = out.index(b'\n', pos)
            k, n = out[pos:nl].split()
            n = int(n)
            res.append((k.decode(), out[nl + 1:nl + 1 + n]))
            pos = nl + 1 + n
            got += 1
        i += got
        if got < len(chunk):
            res.append(('C', b'crash rc=%d' % p.returncode))
            i += 1
    return res


def compare(py, c):
    """None when the two agree, else why not. They agree when the texts are
    the same bytes, or both raise (the same kind: compile or render), or
    sftkit refuses the construct as unsupported, or Python's answer cannot
    be reproduced (an object's address, a generator's repr, a timeout)."""
    pk, pv = py
    ck, cv = c
    if ck == 'C':
        return 'crash'
    if pk == 'T':
        return None
    if pk == 'O' and (' at 0x' in pv or 'generator object' in pv):
        return None
    if pk == 'E' and ('generator' in pv or 'iterator' in pv):
        return None
    if ck in 'EP' and (cv.startswith(b'unsupported: ') or b': unsupported: ' in cv[:80]):
        return None
    if pk in 'PE' and pv.startswith('MemoryError') and ck in 'EP':
        return None   # sftkit's output limit, where Python runs out of memory
    if pk == 'P':
        return None if ck == 'P' else 'py compile error, c ' + ck
    if pk == 'E':
        return None if ck == 'E' else 'py render error, c ' + ck
    if ck != 'O':
        return 'py ok, c ' + ck
    if pv.encode('utf-8', 'surrogatepass') != cv:
        return 'output differs'
    return None
