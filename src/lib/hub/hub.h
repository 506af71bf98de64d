/*
 * hub.h — a Hugging Face Hub client (libcurl) that shares huggingface_hub's
 * cache.
 *
 * Endpoints used, as the real Hub serves them:
 *   GET  {endpoint}/api/{datasets|models}/{repo}/revision/{rev}   -> {"sha": commit}
 *   GET  {endpoint}/api/{kind}/{repo}/tree/{commit}?recursive=true  (Link: rel="next")
 *   GET  {endpoint}/[datasets/]{repo}/resolve/{commit}/{path}       (302 to a CDN for LFS;
 *        X-Repo-Commit, X-Linked-Etag, X-Linked-Size; Range for resume)
 *
 * Cache (HF_HUB_CACHE, else $HF_HOME/hub, else ~/.cache/huggingface/hub):
 *   {kind}--{org}--{name}/refs/{rev}                 commit sha of a branch or tag
 *   {kind}--{org}--{name}/blobs/{etag}               file content (etag: sha256 for LFS
 *                                                    files, git blob sha1 otherwise)
 *   {kind}--{org}--{name}/blobs/{etag}.incomplete    a download in progress (resumed by Range)
 *   {kind}--{org}--{name}/snapshots/{commit}/{path}  relative symlink to ../../blobs/{etag}
 * plus, sftkit's own, {kind}--{org}--{name}/.sftkit/tree-{commit}.json: the file
 * listing of an (immutable) commit, so that a second run at a pinned commit
 * makes no request at all.
 *
 * Environment: HF_ENDPOINT (default https://huggingface.co), HF_TOKEN, else the
 * file HF_TOKEN_PATH or $HF_HOME/token; HF_HUB_OFFLINE=1 (only the cache);
 * SFTKIT_HUB_RETRIES (default 6), SFTKIT_HUB_BACKOFF_MS (first backoff, 1000),
 * SFTKIT_HUB_MAX_PAGES (listing pages, default and at most HUB_MAX_PAGES).
 *
 * In parts: hub.c (configuration, revision and listing), http.[ch] (libcurl,
 * retries, ranges; private), cache.[ch] (this layout, usable without the
 * network), download.c (resume, verify, parallel on workq.h); resolve.h picks
 * a dataset's files, lock.h owns the lock file.
 *
 * Errors: functions return 0 or -1 with a message in the client's err buffer
 * (hub_error). Messages say what to do: gated, not found or no token, etc.
 * A client is used from one thread; hub_download_many runs its own workers.
 */
#ifndef SFTKIT_HUB_H
#define SFTKIT_HUB_H

#include <stddef.h>
#include <stdint.h>

/* Bounds on what a listing may hold: a repo on the Hub has at most some
 * 100,000 files; an answer past these is a server fault, not a repo. An API
 * answer (a listing page, revision info) is at most 64 MiB. */
#define HUB_MAX_FILES 1000000
#define HUB_MAX_PAGES 100000
#define HUB_MAX_API_BYTES (64 << 20)
/* hub_download_many runs at most this many transfers at once. */
#define HUB_MAX_JOBS 64

typedef struct hub hub;

typedef struct hub_file {
	char *path;        /* path in the repo */
	uint64_t size;
	char *etag;        /* sha256 for LFS files, git blob sha1 otherwise */
	int lfs;
} hub_file;

typedef struct hub_repo {
	char kind[16];     /* "datasets" or "models" */
	char *id;          /* org/name */
	char *revision;    /* as asked (branch, tag or commit) */
	char *commit;      /* resolved commit sha */
	char *cache_dir;   /* {cache}/{kind}--org--name */
	hub_file *files;   /* sorted by path */
	size_t nfiles;
	int from_cache;    /* listing came from the cache, not the network */
	char *warning;     /* set when the Hub could not be reached and the cache
	                      answered (the caller says so); NULL otherwise */
} hub_repo;

typedef struct hub_stats {
	uint64_t requests;     /* HTTP requests made */
	uint64_t downloads;    /* files downloaded (not served from the cache) */
	uint64_t bytes;        /* body bytes received */
	uint64_t retries;
} hub_stats;

/* A client configured from the environment. NULL with a message in err
 * when SFTKIT_HUB_RETRIES or SFTKIT_HUB_BACKOFF_MS is not a number in range. */
hub *hub_new(char *err, size_t errlen);

/* Download progress, for the caller to show (the library prints nothing).
 * hub_download_many calls fn(ctx, 0, total, 0) as it starts (total: the
 * listed bytes of its files), then fn(ctx, done, total, 0) after each chunk
 * received, and, when it downloaded anything, fn(ctx, done, total, 1) at the
 * end. Calls are serialized (under the client's lock, from the download
 * workers' threads): fn must be quick and must not call back into the hub. */
typedef void (*hub_progress_fn)(void *ctx, uint64_t done, uint64_t total, int final);
void hub_set_progress(hub *h, hub_progress_fn fn, void *ctx);
void hub_free(hub *h);
const char *hub_error(const hub *h);
const hub_stats *hub_get_stats(const hub *h);
int hub_offline(const hub *h);
const char *hub_cache_root(const hub *h);

/* 1 when id has the form ORG/NAME (one slash, both parts non-empty, no ".."). */
int hub_repo_id_ok(const char *id);

/* 1 when rev may name a revision: no "..", no leading '/', no control
 * character (it becomes a path under refs/ in the cache). hub_repo_open
 * refuses the others. */
int hub_revision_ok(const char *rev);

/* Resolve revision (NULL = "main") to a commit and list the repo's files.
 * kind: "datasets" or "models". Offline: from refs/ and the cached listing.
 * Online, when the Hub is down (transport error, 408, 429, 5xx) and the
 * cache resolved the revision before and holds its listing: that commit,
 * after one retry, with r->warning saying so. */
int hub_repo_open(hub *h, const char *kind, const char *id, const char *revision, hub_repo *r);
/* Frees what r holds, after a failed hub_repo_open too; r is left empty. */
void hub_repo_free(hub_repo *r);
const hub_file *hub_repo_find(const hub_repo *r, const char *path);

/* Make file f available in the cache and return its snapshot path (malloc'd)
 * in *local. No request when the blob is cached. Verifies size and, for LFS
 * files, sha256. */
int hub_download(hub *h, const hub_repo *r, const hub_file *f, char **local);

/* Download several files with up to jobs parallel transfers; locals[i] gets
 * each path. On failure the first error is kept and -1 returned. */
int hub_download_many(hub *h, const hub_repo *r, const hub_file *const *files, size_t n,
		      int jobs, char **locals);

/* GET a small API document into a malloc'd buffer (for tests and --list). */
int hub_get_json(hub *h, const char *url_path, char **body, size_t *len);

#endif
