/* download.c — files into the cache: resumed, verified, linked, in
 * parallel on the work queue. See hub.h (hub_download_many). */
#include "hub/cache.h"
#include "hub/http.h"
#include "sha1.h"
#include "workq.h"

#include <sys/stat.h>
#include <unistd.h>
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
/* sha256 of the first n bytes of path into c */
static int hash_prefix(const char *path, uint64_t n, sha256_ctx *c)
{
	FILE *f = fopen(path, "rb");
	if (!f) return -1;
	unsigned char buf[1 << 16];
	while (n) {
		size_t want = n < sizeof buf ? (size_t)n : sizeof buf;
		size_t got = fread(buf, 1, want, f);
		if (!got) { fclose(f); errno = EIO; return -1; }
		sha256_update(c, buf, got);
		n -= got;
	}
	fclose(f);
	return 0;
}

/* A 206 with another range than asked, or a body past the listed size: the
 * partial file is removed and -1 returned with the message. */
static int transfer_fault(hub *h, const hub_repo *r, const hub_file *f, const hub_resp *rs, const char *inc,
			  char *err, size_t errlen)
{
	if (rs->bad_range)
		hub_seterr(h, err, errlen, "%s: %s: asked for bytes %llu- of %llu, the server answered 206 with "
		       "Content-Range '%s'; removed the partial download", r->id, f->path,
		       (unsigned long long)rs->range_from, (unsigned long long)f->size, rs->content_range);
	else if (rs->too_long)
		hub_seterr(h, err, errlen, "%s: %s: the server sent more than the listed %llu bytes; removed the partial download",
		       r->id, f->path, (unsigned long long)f->size);
	else
		return 0;
	unlink(inc);
	return -1;
}

/* The finished download inc against the listing's oid: the sha256 kept while
 * writing (LFS files), the git blob sha1 of the file (the others). A mismatch
 * removes it and returns -1 with the message. */
static int verify_blob(hub *h, const hub_repo *r, const hub_file *f, sha256_ctx *sha, const char *inc,
		       char *err, size_t errlen)
{
	char hex[65];
	const char *what = "sha256";
	if (f->lfs) {
		unsigned char dg[32];
		sha256_final(sha, dg);
		sha256_hex(dg, hex);
	} else {
		what = "git blob sha1";
		if (sha1_git_blob_file_hex(inc, hex)) { hub_seterr(h, err, errlen, "%s: %s", inc, strerror(errno)); return -1; }
	}
	if (!strcmp(hex, f->etag)) return 0;
	hub_seterr(h, err, errlen, "%s: %s: %s %s does not match the Hub's %s; removed the download", r->id, f->path, what, hex, f->etag);
	unlink(inc);
	return -1;
}

static int download_one(hub *h, CURL *c, const hub_repo *r, const hub_file *f, char **local,
			char *err, size_t errlen)
{
	*local = NULL;
	if (strstr(f->path, "..") || f->path[0] == '/' || !hub_cache_etag_ok(f->etag)) {
		hub_seterr(h, err, errlen, "%s: refusing unsafe path or etag '%s'", r->id, f->path);
		return -1;
	}
	char *snap = hub_cache_snapshot_path(r, f);
	char *blob = hub_cache_blob_path(r, f);
	char *inc = hub_pathf("%s.incomplete", blob);
	char *url = NULL;
	FILE *fp = NULL;
	hub_resp rs = { .h = h };
	sha256_ctx sha;
	int rc = -1, lockfd = -1;

	/* a blob is renamed into place only once complete and verified, so
	 * one of the right size needs no lock */
	if (hub_cache_file_ok(snap, f->size)) { rc = 0; goto out; }
	if (!h->offline) {   /* offline, a read-only cache must still serve */
		lockfd = hub_cache_lock_blob(h->cache, r, f->etag);
		if (lockfd < 0) {
			hub_seterr(h, err, errlen, "%s/.locks: cannot lock %s: %s", h->cache, f->etag, strerror(errno));
			goto out;
		}
	}
	/* checked again under the lock: another process may have finished it */
	if (hub_cache_file_ok(blob, f->size)) {
		if (hub_cache_link(r, f)) { hub_seterr(h, err, errlen, "%s: %s", snap, strerror(errno)); goto out; }
		rc = 0;
		goto out;
	}
	if (h->offline) {
		hub_seterr(h, err, errlen, "%s %s: %s is not in the cache (HF_HUB_OFFLINE is set)", hub_kind_word(r->kind), r->id, f->path);
		goto out;
	}
	if (hub_mkparent(blob)) { hub_seterr(h, err, errlen, "%s: %s", blob, strerror(errno)); goto out; }
	strbuf u = {0};
	strbuf_printf(&u, "%s/%s%s/resolve/%s/", h->endpoint, strcmp(r->kind, "datasets") ? "" : "datasets/", r->id, r->commit);
	hub_url_escape(&u, f->path, 1);
	url = strbuf_detach(&u, NULL);

	for (int k = 0;; k++) {
		fp = fopen(inc, "ab");
		if (!fp) { hub_seterr(h, err, errlen, "%s: %s", inc, strerror(errno)); goto out; }
		struct stat st;
		uint64_t have = fstat(fileno(fp), &st) == 0 ? (uint64_t)st.st_size : 0;
		if (have > f->size) {
			if (ftruncate(fileno(fp), 0)) { hub_seterr(h, err, errlen, "%s: %s", inc, strerror(errno)); goto out; }
			have = 0;
		}
		/* the hash covers what is already there, then grows with each write */
		sha256_init(&sha);
		if (f->lfs && have && hash_prefix(inc, have, &sha)) { hub_seterr(h, err, errlen, "%s: %s", inc, strerror(errno)); goto out; }
		strbuf_reset(&rs.body);
		rs.fp = fp;
		rs.sha = f->lfs ? &sha : NULL;
		rs.written = 0;
		rs.truncate_first = have > 0;
		rs.range_from = have;
		rs.have = have;
		rs.expect = f->size;
		rs.body_started = rs.bad_range = rs.too_long = 0;
		rs.content_range[0] = 0;
		rs.status = 0;
		rs.linked_etag[0] = rs.linked_size[0] = 0;
		CURLcode cc = CURLE_OK;
		if (have < f->size || f->size == 0)
			cc = hub_http_once(h, c, url, 0, have, &rs);
		else
			rs.status = 206;   /* all there already: verify below */
		if (fclose(fp) != 0 && cc == CURLE_OK) rs.write_failed = 1;
		fp = NULL;
		if (rs.write_failed) { hub_seterr(h, err, errlen, "%s: write failed: %s", inc, strerror(errno)); goto out; }
		if (transfer_fault(h, r, f, &rs, inc, err, errlen)) goto out;
		if (rs.status == 416) {
			/* our partial file is not a prefix the server knows: start over */
			unlink(inc);
		} else if (cc == CURLE_OK && (rs.status == 200 || rs.status == 206)) {
			if (rs.linked_etag[0]) {
				char le[160];
				size_t n = strlen(rs.linked_etag), o = 0;
				if (!strncmp(rs.linked_etag, "W/", 2)) o = 2;
				snprintf(le, sizeof le, "%.*s", (int)(n - o), rs.linked_etag + o);
				char *q = le;
				if (*q == '"') { q++; char *e = strchr(q, '"'); if (e) *e = 0; }
				if (f->lfs && strcmp(q, f->etag)) {
					hub_seterr(h, err, errlen, "%s: %s: the Hub serves etag %s, the listing said %s (the file changed?)",
					       r->id, f->path, q, f->etag);
					unlink(inc);
					goto out;
				}
			}
			if (rs.linked_size[0] && strtoull(rs.linked_size, NULL, 10) != f->size) {
				hub_seterr(h, err, errlen, "%s: %s: X-Linked-Size %s differs from the listing's %llu", r->id,
				       f->path, rs.linked_size, (unsigned long long)f->size);
				unlink(inc);
				goto out;
			}
			if (hub_cache_file_ok(inc, f->size)) break;
			/* short body without a transport error: treat as a cut and resume */
		} else if (cc == CURLE_OK && !hub_http_retryable(rs.status)) {
			char what[600];
			snprintf(what, sizeof what, "%s", f->path);
			hub_http_error(h, r->kind, r->id, what, &rs, err, errlen);
			goto out;
		}
		if (k >= h->retries) {
			struct stat ist;
			uint64_t got = stat(inc, &ist) == 0 ? (uint64_t)ist.st_size : 0;
			if (cc == CURLE_PARTIAL_FILE || (cc == CURLE_OK && (rs.status == 200 || rs.status == 206)))
				hub_seterr(h, err, errlen, "%s: %s: the server keeps closing the transfer short of its length: %llu of the "
				       "listed %llu bytes after %d attempts (the partial file stays as %s and resumes next time)",
				       r->id, f->path, (unsigned long long)got, (unsigned long long)f->size, k + 1, inc);
			else if (cc != CURLE_OK)
				hub_seterr(h, err, errlen, "%s: %s: %s (after %d attempts; the partial file stays as %s and resumes next time)",
				       r->id, f->path, curl_easy_strerror(cc), k + 1, inc);
			else
				hub_seterr(h, err, errlen, "%s: %s: HTTP %ld after %d attempts", r->id, f->path, rs.status, k + 1);
			goto out;
		}
		pthread_mutex_lock(&h->mu);
		h->st.retries++;
		pthread_mutex_unlock(&h->mu);
		/* a cut connection resumes at once the first time; HTTP errors back off */
		if (cc != CURLE_OK && k == 0) continue;
		hub_sleep_ms(hub_http_backoff(h, &rs, k));
	}
	if (verify_blob(h, r, f, &sha, inc, err, errlen)) goto out;
	if (rename(inc, blob)) { hub_seterr(h, err, errlen, "%s: %s", blob, strerror(errno)); goto out; }
	if (hub_cache_link(r, f)) { hub_seterr(h, err, errlen, "%s: %s", snap, strerror(errno)); goto out; }
	pthread_mutex_lock(&h->mu);
	h->st.downloads++;
	pthread_mutex_unlock(&h->mu);
	rc = 0;
out:
	if (fp) fclose(fp);
	if (lockfd >= 0) close(lockfd);
	if (rc == 0) *local = snap;
	else free(snap);
	free(blob);
	free(inc);
	free(url);
	strbuf_free(&rs.body);
	return rc;
}

int hub_download(hub *h, const hub_repo *r, const hub_file *f, char **local)
{
	const hub_file *list[1] = { f };
	return hub_download_many(h, r, list, 1, 1, local);
}

typedef struct dl_job {
	hub *h;
	const hub_repo *r;
	const hub_file *const *files;
	char **locals;
	CURL *curl[HUB_MAX_JOBS];   /* one handle a worker, made on first use */
	int failed;                 /* under h->mu: the first error is kept */
} dl_job;

static int dl_range(void *ctx, int w, size_t a, size_t b)
{
	dl_job *j = ctx;
	char err[1024];
	if (!j->curl[w]) j->curl[w] = curl_easy_init();
	for (size_t i = a; i < b; i++) {
		if (!j->curl[w]) snprintf(err, sizeof err, "%s: cannot start a transfer (curl_easy_init)", j->r->id);
		else if (!download_one(j->h, j->curl[w], j->r, j->files[i], &j->locals[i], err, sizeof err)) continue;
		pthread_mutex_lock(&j->h->mu);
		if (!j->failed) snprintf(j->h->err, sizeof j->h->err, "%s", err);
		j->failed = 1;
		pthread_mutex_unlock(&j->h->mu);
		return 1;
	}
	return 0;
}

int hub_download_many(hub *h, const hub_repo *r, const hub_file *const *files, size_t n,
		      int jobs, char **locals)
{
	for (size_t i = 0; i < n; i++) locals[i] = NULL;
	if (h->prog_fn) {
		h->prog_total = h->prog_done = 0;
		for (size_t i = 0; i < n; i++) h->prog_total += files[i]->size;
		h->prog_fn(h->prog_ctx, 0, h->prog_total, 0);
	}
	dl_job j = { .h = h, .r = r, .files = files, .locals = locals };
	if (jobs > HUB_MAX_JOBS) jobs = HUB_MAX_JOBS;
	uint64_t before = h->st.downloads;
	/* one file at a time from the queue: files differ in size */
	workq_run(n, 1, jobs, dl_range, &j);
	for (int w = 0; w < HUB_MAX_JOBS; w++)
		if (j.curl[w]) curl_easy_cleanup(j.curl[w]);
	if (h->prog_fn && h->st.downloads > before) h->prog_fn(h->prog_ctx, h->prog_done, h->prog_total, 1);
	if (j.failed) {
		for (size_t i = 0; i < n; i++) { free(locals[i]); locals[i] = NULL; }
		return -1;
	}
	return 0;
}
