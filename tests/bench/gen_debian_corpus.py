#!/usr/bin/env python3
"""gen_debian_corpus.py — the tok bench's corpus of real text nobody here
wrote: the C headers of the installed -dev packages (/usr/include) and the
packages' documentation and licence texts (/usr/share/doc, gzipped ones
decompressed, and /usr/share/common-licenses).

    gen_debian_corpus.py [MB]   (default 6) -> JSONL {"text": ...} on stdout

Half the bytes are headers, half documentation. Files are taken in the order
of the SHA-1 of their path (spread over all packages, not the first few in
alphabetical order), only valid UTF-8 without NUL bytes, each cut to at most
32 KB at a line end. The same installed system gives the same corpus, byte
for byte; the first line of stderr says how many files and bytes it took.
"""
import gzip
import hashlib
import json
import os
import sys

CAP = 32 * 1024


def files(roots, want):
    out = []
    for root in roots:
        for d, dirs, names in os.walk(root):
            dirs.sort()
            for n in names:
                p = os.path.join(d, n)
                if os.path.islink(p) or not os.path.isfile(p):
                    continue
                if want(p):
                    out.append(p)
    out.sort(key=lambda p: hashlib.sha1(p.encode()).hexdigest())
    return out


def text_of(p):
    try:
        if p.endswith(".gz"):
            with gzip.open(p, "rb") as f:
                b = f.read(4 * CAP)
        else:
            with open(p, "rb") as f:
                b = f.read(4 * CAP)
    except (OSError, EOFError):
        return None
    if b"\0" in b:
        return None
    if len(b) > CAP:
        cut = b.rfind(b"\n", 0, CAP)
        b = b[: cut + 1 if cut > 0 else CAP]
    try:
        s = b.decode("utf-8")
    except UnicodeDecodeError:
        return None
    return s if s.strip() else None


def take(paths, budget, out):
    used = n = 0
    for p in paths:
        if used >= budget:
            break
        s = text_of(p)
        if s is None:
            continue
        out.write(json.dumps({"text": s}, ensure_ascii=False) + "\n")
        used += len(s.encode())
        n += 1
    return n, used


def main():
    mb = float(sys.argv[1]) if len(sys.argv) > 1 else 6
    half = int(mb * 1e6 / 2)
    headers = files(["/usr/include"], lambda p: p.endswith((".h", ".hpp", ".hh", ".hxx")))
    docs_ext = (".gz", ".txt", ".md", ".rst", ".html")

    def is_doc(p):
        b = os.path.basename(p)
        if "/common-licenses/" in p:
            return True
        if b.endswith(".gz") and not b.startswith(("changelog", "NEWS", "README", "CHANGES")):
            return False
        return b == "copyright" or b.startswith(("README", "NEWS", "CHANGES", "changelog")) or b.endswith(docs_ext)

    docs = files(["/usr/share/doc", "/usr/share/common-licenses"], is_doc)
    out = sys.stdout
    nh, bh = take(headers, half, out)
    nd, bd = take(docs, half, out)
    sys.stderr.write(f"corpus: {nh} headers ({bh} bytes), {nd} documentation files ({bd} bytes)\n")
    if bh < half / 4 or bd < half / 4:
        sys.stderr.write("corpus: this system has too few headers or documents for the bench\n")
        sys.exit(1)


if __name__ == "__main__":
    main()
