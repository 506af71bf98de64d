/* cache.c — huggingface_hub's cache layout. See cache.h. */
#include "hub/cache.h"

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
char *hub_read_small(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f) return NULL;
	strbuf b = {0};
	char tmp[4096];
	size_t n;
	while ((n = fread(tmp, 1, sizeof tmp, f)) > 0 && b.len < (1u << 20))
		strbuf_put(&b, tmp, n);
	fclose(f);
	strbuf_put(&b, "", 0);
	return strbuf_detach(&b, NULL);
}

void hub_rstrip(char *s)
{
	size_t n = strlen(s);
	while (n && isspace((unsigned char)s[n - 1])) s[--n] = 0;
}

/* ---- paths ---- */

int hub_mkdirs(const char *path)
{
	char *p = xstrdup(path);
	for (char *s = p + 1; *s; s++) {
		if (*s != '/') continue;
		*s = 0;
		if (mkdir(p, 0755) == -1 && errno != EEXIST) { free(p); return -1; }
		*s = '/';
	}
	int rc = mkdir(p, 0755) == -1 && errno != EEXIST ? -1 : 0;
	free(p);
	return rc;
}

int hub_mkparent(const char *path)
{
	char *p = xstrdup(path);
	char *s = strrchr(p, '/');
	int rc = 0;
	if (s && s != p) { *s = 0; rc = hub_mkdirs(p); }
	free(p);
	return rc;
}

char *hub_pathf(const char *fmt, ...)
{
	strbuf b = {0};
	va_list ap;
	va_start(ap, fmt);
	strbuf_vprintf(&b, fmt, ap);
	va_end(ap);
	return strbuf_detach(&b, NULL);
}

/* Write a file atomically (util_atomic_write_file), its directories made. */
int hub_write_atomic(const char *path, const void *p, size_t n)
{
	if (hub_mkparent(path)) return -1;
	return util_atomic_write_file(path, p, n, NULL, 0);
}

int hub_cache_commit_ok(const char *s)
{
	size_t n = 0;
	for (; s[n]; n++)
		if (!isxdigit((unsigned char)s[n]) || isupper((unsigned char)s[n])) return 0;
	return n == 40;
}

/* ---- repo listing ---- */

int hub_file_cmp(const void *a, const void *b)
{
	return strcmp(((const hub_file *)a)->path, ((const hub_file *)b)->path);
}

void hub_repo_add_file(hub_repo *r, size_t *cap, const char *path, uint64_t size, const char *etag, int lfs)
{
	if (r->nfiles == *cap) {
		*cap = *cap ? *cap * 2 : 64;
		r->files = xrealloc(r->files, *cap * sizeof *r->files);
	}
	hub_file *f = &r->files[r->nfiles++];
	f->path = xstrdup(path);
	f->size = size;
	f->etag = xstrdup(etag);
	f->lfs = lfs;
}

char *hub_json_strdup(const json_doc *d, uint32_t i)
{
	if (json_type_of(d, i) != JSON_STRING) return NULL;
	char *s = xmalloc(d->nodes[i].len + 1);
	size_t n = json_str_decode(d, i, s);
	s[n] = 0;
	return s;
}

static char *tree_cache_path(const hub_repo *r)
{
	return hub_pathf("%s/.sftkit/tree-%s.jsonl", r->cache_dir, r->commit);
}

void hub_cache_save_listing(const hub_repo *r)
{
	strbuf b = {0};
	for (size_t i = 0; i < r->nfiles; i++) {
		const hub_file *f = &r->files[i];
		strbuf_puts(&b, "{\"path\":");
		json_write_str(&b, f->path, strlen(f->path));
		strbuf_printf(&b, ",\"size\":%llu,\"etag\":", (unsigned long long)f->size);
		json_write_str(&b, f->etag, strlen(f->etag));
		strbuf_printf(&b, ",\"lfs\":%s}\n", f->lfs ? "true" : "false");
	}
	char *p = tree_cache_path(r);
	hub_write_atomic(p, b.p ? b.p : "", b.len);   /* a cache: failure only costs a request next time */
	free(p);
	strbuf_free(&b);
}

int hub_cache_load_listing(hub_repo *r)
{
	char *p = tree_cache_path(r);
	FILE *f = fopen(p, "rb");
	free(p);
	if (!f) return -1;
	size_t cap = 0;
	char *line = NULL;
	size_t lcap = 0;
	ssize_t n;
	int bad = 0;
	json_doc d;
	json_doc_init(&d);
	while ((n = getline(&line, &lcap, f)) > 0) {
		if (json_parse(&d, line, n) || json_type_of(&d, 0) != JSON_OBJECT) { bad = 1; break; }
		char *path = hub_json_strdup(&d, json_get(&d, 0, "path"));
		char *etag = hub_json_strdup(&d, json_get(&d, 0, "etag"));
		int64_t size = -1;
		json_num_i64(&d, json_get(&d, 0, "size"), &size);
		if (!path || !etag || size < 0) bad = 1;
		else hub_repo_add_file(r, &cap, path, size, etag, json_type_of(&d, json_get(&d, 0, "lfs")) == JSON_TRUE);
		free(path);
		free(etag);
		if (bad) break;
	}
	json_doc_free(&d);
	free(line);
	fclose(f);
	if (bad) {
		for (size_t i = 0; i < r->nfiles; i++) { free(r->files[i].path); free(r->files[i].etag); }
		free(r->files);
		r->files = NULL;
		r->nfiles = 0;
		return -1;
	}
	return 0;
}

/* Offline without a cached listing: what the official client left in snapshots/. */
static void walk_snapshot(hub_repo *r, size_t *cap, const char *root, const char *rel)
{
	char *dir = rel[0] ? hub_pathf("%s/%s", root, rel) : xstrdup(root);
	DIR *dp = opendir(dir);
	if (!dp) { free(dir); return; }
	struct dirent *de;
	while ((de = readdir(dp))) {
		if (de->d_name[0] == '.') continue;
		char *sub = rel[0] ? hub_pathf("%s/%s", rel, de->d_name) : xstrdup(de->d_name);
		char *full = hub_pathf("%s/%s", root, sub);
		struct stat st;
		if (stat(full, &st) == 0) {
			if (S_ISDIR(st.st_mode)) walk_snapshot(r, cap, root, sub);
			else if (S_ISREG(st.st_mode)) {
				char target[PATH_MAX];
				ssize_t tl = readlink(full, target, sizeof target - 1);
				const char *etag = "";
				if (tl > 0) {
					target[tl] = 0;
					const char *s = strrchr(target, '/');
					etag = s ? s + 1 : target;
				}
				hub_repo_add_file(r, cap, sub, st.st_size, etag, strlen(etag) == 64);
			}
		}
		free(sub);
		free(full);
	}
	closedir(dp);
	free(dir);
}

char *hub_cache_read_ref(const hub_repo *r, const char *rev)
{
	char *p = hub_pathf("%s/refs/%s", r->cache_dir, rev);
	char *s = hub_read_small(p);
	free(p);
	if (s) {
		hub_rstrip(s);
		if (!hub_cache_commit_ok(s)) { free(s); s = NULL; }
	}
	return s;
}

int hub_repo_id_ok(const char *id)
{
	const char *slash = strchr(id, '/');
	return slash && slash != id && slash[1] && !strchr(slash + 1, '/') && !strstr(id, "..");
}

int hub_revision_ok(const char *rev)
{
	if (rev[0] == '/' || strstr(rev, "..")) return 0;
	for (const unsigned char *s = (const unsigned char *)rev; *s; s++)
		if (*s < 0x20 || *s == 0x7f) return 0;
	return 1;
}

void hub_repo_files_free(hub_repo *r)
{
	for (size_t i = 0; i < r->nfiles; i++) {
		free(r->files[i].path);
		free(r->files[i].etag);
	}
	free(r->files);
	r->files = NULL;
	r->nfiles = 0;
}

void hub_repo_free(hub_repo *r)
{
	hub_repo_files_free(r);
	free(r->warning);
	free(r->id);
	free(r->revision);
	free(r->commit);
	free(r->cache_dir);
	memset(r, 0, sizeof *r);
}

const hub_file *hub_repo_find(const hub_repo *r, const char *path)
{
	hub_file key = { .path = (char *)path };
	return bsearch(&key, r->files, r->nfiles, sizeof *r->files, hub_file_cmp);
}

/* ---- downloads ---- */

int hub_cache_link(const hub_repo *r, const hub_file *f)
{
	char *snap = hub_cache_snapshot_path(r, f);
	/* relative: snapshots/<commit>/<path> -> ../../(../ per directory)blobs/<etag> */
	strbuf t = {0};
	strbuf_puts(&t, "../../");
	for (const char *s = f->path; *s; s++)
		if (*s == '/') strbuf_puts(&t, "../");
	strbuf_printf(&t, "blobs/%s", f->etag);
	int rc = hub_mkparent(snap);
	if (!rc) {
		/* made beside it and renamed over it: a concurrent reader of the
		 * snapshot path finds the old link or the new, never none */
		rc = util_atomic_symlink(t.p, snap, NULL, 0);
	}
	free(snap);
	strbuf_free(&t);
	return rc;
}

int hub_cache_file_ok(const char *path, uint64_t size)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISREG(st.st_mode) && (uint64_t)st.st_size == size;
}

int hub_cache_etag_ok(const char *s)
{
	if (!*s || strlen(s) > 128) return 0;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '-' && *s != '_') return 0;
	return 1;
}

/* Take huggingface_hub's lock for a blob: {cache}/.locks/{repo folder}/{etag}.lock,
 * flock()ed exclusively as its filelock.UnixFileLock does, so that sftkit and
 * huggingface_hub (and several sftkit processes) never write one blob's
 * .incomplete at once. Blocks until the lock is free. Returns the open
 * descriptor (closing it releases the lock) or -1 with errno set. */
int hub_cache_lock_blob(const char *root, const hub_repo *r, const char *etag)
{
	const char *folder = strrchr(r->cache_dir, '/');
	folder = folder ? folder + 1 : r->cache_dir;
	char *lp = hub_pathf("%s/.locks/%s/%s.lock", root, folder, etag);
	int fd = -1;
	if (hub_mkparent(lp) == 0) fd = open(lp, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	while (fd >= 0 && flock(fd, LOCK_EX) == -1) {
		if (errno == EINTR) continue;
		int e = errno;
		close(fd);
		fd = -1;
		errno = e;
	}
	free(lp);
	return fd;
}

char *hub_cache_repo_dir(const char *root, const char *kind, const char *id)
{
	const char *slash = strchr(id, '/');
	if (!slash) return hub_pathf("%s/%s--%s", root, kind, id);
	return hub_pathf("%s/%s--%.*s--%s", root, kind, (int)(slash - id), id, slash + 1);
}

int hub_cache_write_ref(const hub_repo *r, const char *rev, const char *commit)
{
	char *ref = hub_pathf("%s/refs/%s", r->cache_dir, rev);
	int rc = hub_write_atomic(ref, commit, strlen(commit));
	free(ref);
	return rc;
}

int hub_cache_scan_snapshot(hub_repo *r)
{
	size_t cap = r->nfiles;
	char *snap = hub_pathf("%s/snapshots/%s", r->cache_dir, r->commit);
	walk_snapshot(r, &cap, snap, "");
	free(snap);
	if (!r->nfiles) return -1;
	qsort(r->files, r->nfiles, sizeof *r->files, hub_file_cmp);
	return 0;
}

char *hub_cache_snapshot_path(const hub_repo *r, const hub_file *f)
{
	return hub_pathf("%s/snapshots/%s/%s", r->cache_dir, r->commit, f->path);
}

char *hub_cache_blob_path(const hub_repo *r, const hub_file *f)
{
	return hub_pathf("%s/blobs/%s", r->cache_dir, f->etag);
}

