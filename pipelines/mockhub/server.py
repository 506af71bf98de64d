#!/usr/bin/env python3
"""server.py — a local stand-in for the Hugging Face Hub HTTP API, serving a
directory mirror on 127.0.0.1 for tests and `make sample`.

  python3 pipelines/mockhub/server.py --root DIR [--port 0] [--port-file F] [--log F]
                                  [--faults SPEC] [--page-size N]

DIR holds datasets/<org>/<name>/<files> and models/<org>/<name>/<files>. It
answers what the real Hub answers for these endpoints (status codes, headers,
JSON shapes, redirects, ranges):
  GET  /api/{datasets,models}/ORG/NAME[/revision/REV]          repo info (sha, siblings)
       REV may be refs%2Fconvert%2Fparquet: the files under the repo's
       .convert-parquet/ directory, as the Hub's Parquet conversion branch
  GET  /api/{datasets,models}/ORG/NAME/tree/REV[/PATH]?recursive=true[&cursor=N]
       paginated with a Link: <...>; rel="next" header
  HEAD|GET /datasets/ORG/NAME/resolve/REV/PATH, /ORG/NAME/resolve/REV/PATH
       LFS files (parquet, and anything over 64 KiB): 302 to /cdn/SHA256 with
       X-Repo-Commit, X-Linked-Etag, X-Linked-Size, ETag; small files: 200 with
       the git blob id as ETag. Range requests get 206 + Content-Range.
Errors as the Hub gives them: 401 + X-Error-Code: RepoNotFound for an unknown
repo (or a private one without the token in its .token file), 403 GatedRepo
for a repo with a .gated file, 404 EntryNotFound / RevisionNotFound.
The commit of a repo is derived from its file contents, so it is reproducible.
Faults, for tests (SPEC is comma separated, each applied to file downloads):
  429:N      the first N downloads answer 429 with Retry-After: 1 and RateLimit
  503:N      the first N downloads answer 503
  drop:N     the first download body is cut after N bytes (connection closed)
  slow:MS    sleep MS milliseconds per 64 KiB of body
  badrange:N the first N Range requests get 206 with the file from byte 0 and
             a Content-Range that says so (not the range asked)
  corrupt:N  the first N downloads have one byte changed (size unchanged)
  endless:N  the first N downloads send the file over and over, without a
             Content-Length, up to 512 MiB (connection closed at the end)
  looplink   tree listings' last page links back to the first
  short:N    the first N downloads send half the body their Content-Length
             announces, then close the connection
  hugelist   tree listings answer 65 MiB (a JSON array of blanks)
  pages:N    tree listings link to a next page N times (empty pages)
The log (--log) gets one line per request: METHOD PATH STATUS.
"""
import argparse, hashlib, json, os, re, socket, sys, threading, time, urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ARGS = None
LOCK = threading.Lock()
FAULTS = {}
REPOS = {}

def git_blob_sha1(data):
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()

class Repo:
    def __init__(self, kind, rid, path):
        self.kind, self.id, self.path = kind, rid, path
        self.files = {}
        for dp, dns, fns in os.walk(path):
            dns[:] = sorted(d for d in dns if not d.startswith("."))
            for fn in sorted(fns):
                if fn.startswith("."):
                    continue
                full = os.path.join(dp, fn)
                rel = os.path.relpath(full, path).replace(os.sep, "/")
                data = open(full, "rb").read()
                lfs = rel.endswith(".parquet") or len(data) > 64 * 1024
                self.files[rel] = {"full": full, "size": len(data), "oid": git_blob_sha1(data),
                                   "sha256": hashlib.sha256(data).hexdigest() if lfs else None}
        h = hashlib.sha1()
        for rel in sorted(self.files):
            h.update(("%s %s\n" % (rel, self.files[rel]["oid"])).encode())
        self.sha = h.hexdigest()
        self.gated = os.path.exists(os.path.join(path, ".gated"))
        # the Hub's Parquet conversion, served as the revision refs/convert/parquet
        cp = os.path.join(path, ".convert-parquet")
        self.convert = Repo(kind, rid, cp) if os.path.isdir(cp) else None
        tf = os.path.join(path, ".token")
        self.token = open(tf).read().strip() if os.path.exists(tf) else None

CONVERT = "refs/convert/parquet"

def at_rev(repo, rev):
    """The repo's files at rev (main, its sha, or the conversion branch), or None."""
    if rev in ("main", repo.sha):
        return repo
    if repo.convert and rev in (CONVERT, repo.convert.sha):
        return repo.convert
    return None

def find_repo(kind, rid):
    key = (kind, rid)
    if key not in REPOS:
        p = os.path.join(ARGS.root, kind, rid)
        if not os.path.isdir(p) or rid.count("/") != 1:
            return None
        REPOS[key] = Repo(kind, rid, p)
    return REPOS[key]

def take_fault(name):
    with LOCK:
        n = FAULTS.get(name, 0)
        if n > 0:
            FAULTS[name] = n - 1
            return True
    return False

class H(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "mockhub"

    def log_message(self, fmt, *a):
        pass

    def log_req(self, status):
        if ARGS.log:
            with LOCK, open(ARGS.log, "a") as f:
                f.write("%s %s %d\n" % (self.command, self.path, status))

    def send(self, status, body=b"", headers=None, ctype="application/json"):
        self.log_req(status)
        self.send_response(status)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        if isinstance(body, (dict, list)):
            body = json.dumps(body).encode()
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def error(self, status, code, msg):
        self.send(status, {"error": msg}, {"X-Error-Code": code, "X-Error-Message": msg})

    def auth_ok(self, repo):
        if repo.token is None:
            return True
        return self.headers.get("Authorization", "") == "Bearer " + repo.token

    def repo_or_error(self, kind, rid):
        repo = find_repo(kind, rid)
        if repo is None or not self.auth_ok(repo):
            self.error(401, "RepoNotFound", "Repository not found")
            return None
        if repo.gated and not self.headers.get("Authorization"):
            self.error(403, "GatedRepo", "Access to dataset %s is restricted. You must have access to it and be authenticated to access it. Please log in." % rid)
            return None
        return repo

    def do_HEAD(self):
        self.do_GET()

    def do_GET(self):
        u = urllib.parse.urlparse(self.path)
        q = urllib.parse.parse_qs(u.query)
        raw = u.path
        path = urllib.parse.unquote(u.path)
        uq = urllib.parse.unquote
        m = re.match(r"^/api/(datasets|models)/([^/]+/[^/]+)(?:/revision/([^/]+))?/?$", raw)
        if m:
            repo = self.repo_or_error(m.group(1), uq(m.group(2)))
            if not repo:
                return
            rev = uq(m.group(3) or "main")
            repo = at_rev(repo, rev)
            if repo is None:
                return self.error(404, "RevisionNotFound", "Invalid rev id: " + rev)
            return self.send(200, {"id": repo.id, "sha": repo.sha, "private": repo.token is not None,
                                   "gated": "auto" if repo.gated else False,
                                   "siblings": [{"rfilename": p} for p in sorted(repo.files)]})
        m = re.match(r"^/api/(datasets|models)/([^/]+/[^/]+)/tree/([^/]+)(?:/(.*))?$", raw)
        if m:
            repo = self.repo_or_error(m.group(1), uq(m.group(2)))
            if not repo:
                return
            rev, sub = uq(m.group(3)), uq(m.group(4) or "").strip("/")
            repo = at_rev(repo, rev)
            if repo is None:
                return self.error(404, "RevisionNotFound", "Invalid rev id: " + rev)
            recursive = q.get("recursive", ["false"])[0] in ("true", "1")
            entries, dirs = [], set()
            for p in sorted(repo.files):
                if sub and not p.startswith(sub + "/"):
                    continue
                rest = p[len(sub) + 1:] if sub else p
                if not recursive and "/" in rest:
                    dirs.add((sub + "/" if sub else "") + rest.split("/")[0])
                    continue
                if recursive:
                    parts = rest.split("/")[:-1]
                    for i in range(len(parts)):
                        dirs.add((sub + "/" if sub else "") + "/".join(parts[: i + 1]))
                f = repo.files[p]
                e = {"type": "file", "oid": f["oid"], "size": f["size"], "path": p}
                if f["sha256"]:
                    e["lfs"] = {"oid": f["sha256"], "size": f["size"], "pointerSize": 134}
                entries.append(e)
            for d in dirs:
                entries.append({"type": "directory", "oid": hashlib.sha1(d.encode()).hexdigest(), "size": 0, "path": d})
            entries.sort(key=lambda e: e["path"])
            if sub and not entries:
                return self.error(404, "EntryNotFound", "%s does not exist on \"%s\"" % (sub, rev))
            cur = int(q.get("cursor", ["0"])[0] or 0)
            page = entries[cur: cur + ARGS.page_size]
            headers = {}
            if FAULTS.get("hugelist"):
                return self.send(200, b"[" + b" " * (65 << 20) + b"]", headers)
            if FAULTS.get("pages"):
                n = int(q.get("page", ["0"])[0] or 0)
                if n < FAULTS["pages"]:
                    nq = dict((k, v[0]) for k, v in q.items())
                    nq["page"] = str(n + 1)
                    headers["Link"] = '<http://%s%s?%s>; rel="next"' % (self.headers.get("Host"), u.path, urllib.parse.urlencode(nq))
                    return self.send(200, [] if n else page, headers)
            if FAULTS.get("looplink") and cur + ARGS.page_size >= len(entries):
                nq = dict((k, v[0]) for k, v in q.items())
                nq["cursor"] = "0"
                headers["Link"] = '<http://%s%s?%s>; rel="next"' % (self.headers.get("Host"), u.path, urllib.parse.urlencode(nq))
            if cur + ARGS.page_size < len(entries):
                nq = dict((k, v[0]) for k, v in q.items())
                nq["cursor"] = str(cur + ARGS.page_size)
                headers["Link"] = '<http://%s%s?%s>; rel="next"' % (self.headers.get("Host"), u.path, urllib.parse.urlencode(nq))
            return self.send(200, page, headers)
        m = re.match(r"^/(?:(datasets)/)?([^/]+/[^/]+)/resolve/([^/]+)/(.+)$", raw)
        if m:
            kind = "datasets" if m.group(1) else "models"
            repo = self.repo_or_error(kind, uq(m.group(2)))
            if not repo:
                return
            rev, fp = uq(m.group(3)), uq(m.group(4))
            repo = at_rev(repo, rev)
            if repo is None:
                return self.error(404, "RevisionNotFound", "Invalid rev id: " + rev)
            f = repo.files.get(fp)
            if f is None:
                return self.error(404, "EntryNotFound", "Entry not found")
            if take_fault("429"):
                return self.send(429, {"error": "rate limited"}, {"Retry-After": "1", "RateLimit": '"resolvers";r=0;t=1', "RateLimit-Policy": '"fixed window";"resolvers";q=3000;w=300'})
            if take_fault("503"):
                return self.send(503, {"error": "unavailable"})
            common = {"X-Repo-Commit": repo.sha, "Accept-Ranges": "bytes"}
            if f["sha256"]:
                loc = "/cdn/%s/%s/%s%s" % (kind, repo.id, "_convert/" if repo.path.endswith(".convert-parquet") else "", fp)
                hd = dict(common)
                hd.update({"Location": loc, "X-Linked-Etag": '"%s"' % f["sha256"], "X-Linked-Size": str(f["size"]),
                           "ETag": '"%s"' % f["sha256"]})
                return self.send(302, b"", hd)
            hd = dict(common)
            hd["ETag"] = '"%s"' % f["oid"]
            return self.serve_file(f, hd)
        m = re.match(r"^/cdn/(datasets|models)/([^/]+/[^/]+)/(_convert/)?(.+)$", path)
        if m:
            repo = find_repo(m.group(1), m.group(2))
            if repo and m.group(3):
                repo = repo.convert
            f = repo.files.get(m.group(4)) if repo else None
            if f is None:
                return self.send(404, b"NoSuchKey", ctype="text/plain")
            return self.serve_file(f, {"ETag": '"%s"' % f["sha256"], "Accept-Ranges": "bytes"})
        self.send(404, {"error": "Sorry, we can't find the page you are looking for."})

    def serve_file(self, f, headers):
        data = open(f["full"], "rb").read()
        start, end = 0, len(data) - 1
        status = 200
        rng = self.headers.get("Range")
        if rng:
            mm = re.match(r"bytes=(\d*)-(\d*)$", rng.strip())
            if mm:
                if mm.group(1):
                    start = int(mm.group(1))
                    if mm.group(2):
                        end = min(int(mm.group(2)), len(data) - 1)
                elif mm.group(2):
                    start = max(0, len(data) - int(mm.group(2)))
                if start >= len(data) and len(data) > 0:
                    return self.send(416, b"", {"Content-Range": "bytes */%d" % len(data)})
                status = 206
                headers["Content-Range"] = "bytes %d-%d/%d" % (start, end, len(data))
                if take_fault("badrange"):
                    n = end + 1 - start
                    start, end = 0, n - 1
                    headers["Content-Range"] = "bytes %d-%d/%d" % (start, end, len(data))
        body = data[start: end + 1]
        if take_fault("corrupt") and body:
            body = bytes([body[0] ^ 0x20]) + body[1:]
        if self.command != "HEAD" and take_fault("endless"):
            self.log_req(status)
            self.send_response(status)
            for k, v in headers.items():
                self.send_header(k, v)
            self.send_header("Content-Type", "application/octet-stream")
            self.send_header("Connection", "close")
            self.end_headers()
            self.close_connection = True
            try:
                chunk = (data or b"x") * max(1, 65536 // max(1, len(data)))
                sent = 0
                while sent < (512 << 20):
                    self.wfile.write(chunk)
                    sent += len(chunk)
            except (BrokenPipeError, ConnectionResetError):
                pass
            return
        self.log_req(status)
        self.send_response(status)
        for k, v in headers.items():
            self.send_header(k, v)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command == "HEAD":
            return
        if take_fault("short") and len(body) > 1:
            self.wfile.write(body[: len(body) // 2])
            self.wfile.flush()
            self.connection.shutdown(socket.SHUT_RDWR)
            self.close_connection = True
            return
        if take_fault("drop") and len(body) > 1:
            n = min(FAULTS.get("drop_bytes", len(body) // 2), len(body) - 1)
            self.wfile.write(body[:n])
            self.wfile.flush()
            self.connection.shutdown(socket.SHUT_RDWR)
            self.close_connection = True
            return
        slow = FAULTS.get("slow", 0)
        for i in range(0, len(body), 65536):
            self.wfile.write(body[i: i + 65536])
            if slow:
                time.sleep(slow / 1000.0)

def main():
    global ARGS
    ap = argparse.ArgumentParser()
    ap.add_argument("--root", required=True)
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--port-file")
    ap.add_argument("--log")
    ap.add_argument("--faults", default="")
    ap.add_argument("--page-size", type=int, default=1000)
    ARGS = ap.parse_args()
    for spec in filter(None, ARGS.faults.split(",")):
        k, _, v = spec.partition(":")
        if k in ("looplink", "hugelist"):
            FAULTS[k] = 1
        elif k == "drop":
            FAULTS["drop"] = 1
            FAULTS["drop_bytes"] = int(v or 1000)
        else:
            FAULTS[k] = int(v or 1)
    srv = ThreadingHTTPServer(("127.0.0.1", ARGS.port), H)
    srv.daemon_threads = True
    # a client that hangs up mid-answer (the fault tests' point) is no error here
    srv.handle_error = lambda request, client_address: None
    port = srv.server_address[1]
    if ARGS.port_file:
        with open(ARGS.port_file + ".tmp", "w") as f:
            f.write("%d\n" % port)
        os.rename(ARGS.port_file + ".tmp", ARGS.port_file)
    else:
        print(port, flush=True)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass

if __name__ == "__main__":
    main()
