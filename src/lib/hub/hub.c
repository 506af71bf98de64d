/* hub.c — the Hub client: configuration from the environment, and a repo's
 * revision and file listing, from the cache or the Hub. HTTP is http.c, the
 * cache layout cache.c, downloads download.c. See hub.h. */
#include "hub/hub.h"
#include "hub/cache.h"
#include "hub/http.h"
#include "json.h"

#include <strings.h>
#include <xxhash.h>
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static void curl_init_once(void) { curl_global_init(CURL_GLOBAL_DEFAULT); }

hub *hub_new(char *err, size_t errlen)
{
	uint64_t retries = 6, backoff_ms = 1000;
	const char *r = getenv("SFTKIT_HUB_RETRIES"), *bo = getenv("SFTKIT_HUB_BACKOFF_MS");
	if (r && *r && (util_parse_count(r, &retries) || retries > 100)) {
		util_err_set(err, errlen, "SFTKIT_HUB_RETRIES: a number of retries from 0 to 100, not '%s'", r);
		return NULL;
	}
	if (bo && *bo && (util_parse_count(bo, &backoff_ms) || backoff_ms > 600000)) {
		util_err_set(err, errlen, "SFTKIT_HUB_BACKOFF_MS: milliseconds from 0 to 600000, not '%s'", bo);
		return NULL;
	}
	uint64_t max_pages = HUB_MAX_PAGES;
	const char *mp = getenv("SFTKIT_HUB_MAX_PAGES");
	if (mp && *mp && (util_parse_count(mp, &max_pages) || max_pages < 1 || max_pages > HUB_MAX_PAGES)) {
		util_err_set(err, errlen, "SFTKIT_HUB_MAX_PAGES: a number of pages from 1 to %d, not '%s'", HUB_MAX_PAGES, mp);
		return NULL;
	}
	pthread_once(&curl_once, curl_init_once);
	hub *h = xcalloc(1, sizeof *h);
	const char *e = getenv("HF_ENDPOINT");
	h->endpoint = xstrdup(e && *e ? e : "https://huggingface.co");
	hub_rstrip(h->endpoint);
	size_t n = strlen(h->endpoint);
	while (n && h->endpoint[n - 1] == '/') h->endpoint[--n] = 0;

	const char *home = getenv("HF_HOME");
	strbuf b = {0};
	if (home && *home) strbuf_puts(&b, home);
	else strbuf_printf(&b, "%s/.cache/huggingface", getenv("HOME") ? getenv("HOME") : "/tmp");
	char *hf_home = strbuf_detach(&b, NULL);

	const char *tok = getenv("HF_TOKEN");
	if (tok && *tok) {
		h->token = xstrdup(tok);
	} else {
		const char *tp = getenv("HF_TOKEN_PATH");
		strbuf p = {0};
		if (tp && *tp) strbuf_puts(&p, tp);
		else strbuf_printf(&p, "%s/token", hf_home);
		h->token = hub_read_small(p.p);
		strbuf_free(&p);
	}
	if (h->token) {
		/* blanks around it are a copy-and-paste's, as huggingface_hub
		 * strips them; one inside (CR, LF, ...) would go raw into a
		 * header: refused, and never printed */
		hub_rstrip(h->token);
		size_t lead = strspn(h->token, " \t\r\n");
		memmove(h->token, h->token + lead, strlen(h->token + lead) + 1);
		for (const unsigned char *t = (const unsigned char *)h->token; *t; t++)
			if (*t <= 0x20 || *t == 0x7f) {
				util_err_set(err, errlen, "the Hub token (%s) holds a blank or control character: it cannot be "
					"sent in a header; set it again", tok && *tok ? "HF_TOKEN" : "the token file");
				free(h->token);
				free(h->endpoint);
				free(hf_home);
				free(h);
				return NULL;
			}
		if (!*h->token) { free(h->token); h->token = NULL; }
	}
	const char *cache = getenv("HF_HUB_CACHE");
	if (cache && *cache) h->cache = xstrdup(cache);
	else { strbuf c = {0}; strbuf_printf(&c, "%s/hub", hf_home); h->cache = strbuf_detach(&c, NULL); }
	free(hf_home);

	const char *off = getenv("HF_HUB_OFFLINE");
	h->offline = off && (!strcmp(off, "1") || !strcasecmp(off, "true") || !strcasecmp(off, "yes") || !strcasecmp(off, "on"));
	h->retries = (int)retries;
	h->max_pages = (int)max_pages;
	h->backoff_ms = (long)backoff_ms;
	pthread_mutex_init(&h->mu, NULL);
	return h;
}

void hub_free(hub *h)
{
	if (!h) return;
	if (h->curl) curl_easy_cleanup(h->curl);
	free(h->endpoint);
	free(h->token);
	free(h->cache);
	pthread_mutex_destroy(&h->mu);
	free(h);
}

void hub_set_progress(hub *h, hub_progress_fn fn, void *ctx)
{
	h->prog_fn = fn;
	h->prog_ctx = ctx;
}

const char *hub_error(const hub *h) { return h->err; }
const hub_stats *hub_get_stats(const hub *h) { return &h->st; }
int hub_offline(const hub *h) { return h->offline; }
const char *hub_cache_root(const hub *h) { return h->cache; }

/* Parse one page of a tree listing (a JSON array of entries). */
static int parse_tree_page(hub_repo *r, size_t *cap, const char *body, size_t len, char *err, size_t errlen)
{
	json_doc d;
	json_doc_init(&d);
	int rc = -1;
	if (json_parse(&d, body, len) || json_type_of(&d, 0) != JSON_ARRAY) {
		snprintf(err, errlen, "%s: the tree listing is not a JSON array", r->id);
		goto out;
	}
	JSON_FOR_ELEMS(&d, 0, e, k) {
		(void)k;
		if (r->nfiles >= HUB_MAX_FILES) {
			snprintf(err, errlen, "%s: the tree listing holds more than %d files (sftkit's bound)", r->id, HUB_MAX_FILES);
			goto out;
		}
		if (json_type_of(&d, e) != JSON_OBJECT) continue;
		uint32_t t = json_get(&d, e, "type");
		if (!json_str_eq(&d, t, "file", 4)) continue;
		char *path = hub_json_strdup(&d, json_get(&d, e, "path"));
		char *oid = hub_json_strdup(&d, json_get(&d, e, "oid"));
		int64_t size = 0;
		uint32_t sz = json_get(&d, e, "size");
		if (json_type_of(&d, sz) == JSON_NUMBER) json_num_i64(&d, sz, &size);
		uint32_t lfs = json_get(&d, e, "lfs");
		char *lfs_oid = NULL;
		if (json_type_of(&d, lfs) == JSON_OBJECT) lfs_oid = hub_json_strdup(&d, json_get(&d, lfs, "oid"));
		if (path && (oid || lfs_oid) && size >= 0)
			hub_repo_add_file(r, cap, path, (uint64_t)size, lfs_oid ? lfs_oid : oid, lfs_oid != NULL);
		free(path);
		free(oid);
		free(lfs_oid);
	}
	rc = 0;
out:
	json_doc_free(&d);
	return rc;
}

/* Add url's hash to the open-addressing set (n entries so far, *cap slots,
 * 0 meaning empty); 1 when it was there already. */
static int seen_add(uint64_t **set, size_t *cap, size_t n, const char *url)
{
	if (2 * (n + 1) > *cap) {
		size_t nc = *cap * 2;
		uint64_t *ns = xcalloc(nc, sizeof *ns);
		for (size_t i = 0; i < *cap; i++)
			if ((*set)[i]) {
				size_t j = (*set)[i] & (nc - 1);
				while (ns[j]) j = (j + 1) & (nc - 1);
				ns[j] = (*set)[i];
			}
		free(*set);
		*set = ns;
		*cap = nc;
	}
	uint64_t hv = XXH3_64bits(url, strlen(url)) | 1;
	size_t j = hv & (*cap - 1);
	for (; (*set)[j]; j = (j + 1) & (*cap - 1))
		if ((*set)[j] == hv) return 1;
	(*set)[j] = hv;
	return 0;
}

int hub_repo_open(hub *h, const char *kind, const char *id, const char *revision, hub_repo *r)
{
	memset(r, 0, sizeof *r);
	if (!hub_repo_id_ok(id)) {
		hub_seterr(h, h->err, sizeof h->err, "'%s': a repo id is ORG/NAME", id);
		return -1;
	}
	if (revision && !hub_revision_ok(revision)) {
		/* it names a file under refs/ in the cache */
		strbuf q = STRBUF_INIT;
		for (const unsigned char *s = (const unsigned char *)revision; *s && q.len < 200; s++)
			if (*s < 0x20 || *s == 0x7f) strbuf_printf(&q, "\\x%02x", *s);
			else strbuf_putc(&q, (char)*s);
		hub_seterr(h, h->err, sizeof h->err, "revision '%s': a branch, tag or commit has no '..', no leading '/' "
		       "and no control character", q.p ? q.p : "");
		strbuf_free(&q);
		return -1;
	}
	snprintf(r->kind, sizeof r->kind, "%s", kind);
	r->id = xstrdup(id);
	r->revision = xstrdup(revision && *revision ? revision : "main");
	r->cache_dir = hub_cache_repo_dir(h->cache, kind, id);
	size_t cap = 0;

	if (hub_cache_commit_ok(r->revision)) r->commit = xstrdup(r->revision);
	else if (h->offline) r->commit = hub_cache_read_ref(r, r->revision);

	if (h->offline) {
		if (!r->commit) {
			hub_seterr(h, h->err, sizeof h->err,
			       "%s %s: revision '%s' is not in the cache %s (HF_HUB_OFFLINE is set: fetch it once online)",
			       hub_kind_word(kind), id, r->revision, h->cache);
			return -1;
		}
		if (hub_cache_load_listing(r) == 0) { r->from_cache = 1; return 0; }
		if (hub_cache_scan_snapshot(r)) {
			hub_seterr(h, h->err, sizeof h->err, "%s %s: commit %s is not in the cache %s (HF_HUB_OFFLINE is set)",
			       hub_kind_word(kind), id, r->commit, h->cache);
			return -1;
		}
		r->from_cache = 1;
		return 0;
	}

	CURL *c = hub_main_curl(h);
	hub_resp rs = { .h = h };
	int rc = -1;
	if (!r->commit) {
		strbuf u = {0};
		strbuf_printf(&u, "%s/api/%s/%s/revision/", h->endpoint, kind, id);
		hub_url_escape(&u, r->revision, 0);
		char what[300];
		snprintf(what, sizeof what, "revision '%s'", r->revision);
		/* a revision the cache resolved before, with its listing: a Hub
		 * that is down or overloaded is asked once more, not for a minute,
		 * and the cache answers with a warning, as huggingface_hub does */
		char *cached = hub_cache_read_ref(r, r->revision);
		if (cached) {
			r->commit = cached;
			int listed = hub_cache_load_listing(r) == 0;
			hub_repo_files_free(r);
			r->commit = NULL;
			if (!listed) { free(cached); cached = NULL; }
		}
		if (hub_http_get_n(h, c, kind, id, what, u.p, &rs, cached ? (h->retries < 1 ? h->retries : 1) : h->retries,
			       h->err, sizeof h->err)) {
			strbuf_free(&u);
			if (cached && (rs.status == 0 || hub_http_retryable(rs.status))) {
				char why[sizeof h->err];
				snprintf(why, sizeof why, "%s", h->err);
				r->commit = cached;
				hub_cache_load_listing(r);
				r->from_cache = 1;
				strbuf w = STRBUF_INIT;
				strbuf_printf(&w, "%s; using the cached commit %.12s of '%s'", why, r->commit, r->revision);
				r->warning = strbuf_detach(&w, NULL);
				h->err[0] = 0;
				rc = 0;
			} else {
				free(cached);
			}
			goto out;
		}
		free(cached);
		strbuf_free(&u);
		json_doc d;
		json_doc_init(&d);
		if (json_parse(&d, rs.body.p, rs.body.len) == 0 && json_type_of(&d, 0) == JSON_OBJECT)
			r->commit = hub_json_strdup(&d, json_get(&d, 0, "sha"));
		json_doc_free(&d);
		if (!r->commit || !hub_cache_commit_ok(r->commit)) {
			hub_seterr(h, h->err, sizeof h->err, "%s %s: the Hub's answer for revision '%s' has no commit sha",
			       hub_kind_word(kind), id, r->revision);
			goto out;
		}
		hub_cache_write_ref(r, r->revision, r->commit);   /* a cache: failure costs a request */
	}
	if (hub_cache_load_listing(r) == 0) { r->from_cache = 1; rc = 0; goto out; }
	strbuf u = {0};
	strbuf_printf(&u, "%s/api/%s/%s/tree/%s?recursive=true&expand=false", h->endpoint, kind, id, r->commit);
	char *url = strbuf_detach(&u, NULL);
	/* the pages' URLs seen, by hash: a next link back to one of them loops */
	size_t seen_cap = 1024;
	uint64_t *seen = xcalloc(seen_cap, sizeof *seen);
	for (int page = 0; url; page++) {
		if (seen_add(&seen, &seen_cap, (size_t)page, url)) {
			hub_seterr(h, h->err, sizeof h->err, "%s: the tree listing's next-page link goes back to a page already read (%s)", id, url);
			free(url);
			free(seen);
			goto out;
		}
		if (page >= h->max_pages) {
			hub_seterr(h, h->err, sizeof h->err, "%s: the tree listing has more than %d pages (sftkit's bound): it does not end", id, h->max_pages);
			free(url);
			free(seen);
			goto out;
		}
		if (hub_http_get(h, c, kind, id, "file listing", url, &rs, h->err, sizeof h->err)) { free(url); free(seen); goto out; }
		free(url);
		url = NULL;
		if (parse_tree_page(r, &cap, rs.body.p, rs.body.len, h->err, sizeof h->err)) { free(seen); goto out; }
		if (rs.link_next[0]) url = xstrdup(rs.link_next);
	}
	free(seen);
	qsort(r->files, r->nfiles, sizeof *r->files, hub_file_cmp);
	hub_cache_save_listing(r);
	rc = 0;
out:
	strbuf_free(&rs.body);
	return rc;
}
