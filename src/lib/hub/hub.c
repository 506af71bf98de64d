/* hub.c — the Hub HTTP client and huggingface_hub's cache layout. See hub.h. */
#include "hub/hub.h"
#include "json.h"
#include "sha1.h"
#include "sha256.h"
#include "util.h"
#include "workq.h"

#include <curl/curl.h>
#include <dirent.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <xxhash.h>

struct hub {
	char *endpoint;
	char *token;
	char *cache;
	int offline, retries;
	int max_pages;           /* HUB_MAX_PAGES, or SFTKIT_HUB_MAX_PAGES */
	long backoff_ms;
	CURL *curl;
	char err[1024];
	hub_stats st;
	pthread_mutex_t mu;      /* stats, err and progress, shared with download workers */
	/* progress, reported to the caller's fn */
	hub_progress_fn prog_fn;
	void *prog_ctx;
	uint64_t prog_total, prog_done;
};

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static void curl_init_once(void) { curl_global_init(CURL_GLOBAL_DEFAULT); }

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

static void seterr(hub *h, char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static void seterr(hub *h, char *err, size_t errlen, const char *fmt, ...)
{
	(void)h;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

static char *read_small_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f) return NULL;
	jbuf b = {0};
	char tmp[4096];
	size_t n;
	while ((n = fread(tmp, 1, sizeof tmp, f)) > 0 && b.len < (1u << 20))
		jbuf_put(&b, tmp, n);
	fclose(f);
	jbuf_put(&b, "", 0);
	return jbuf_detach(&b, NULL);
}

static void rstrip(char *s)
{
	size_t n = strlen(s);
	while (n && isspace((unsigned char)s[n - 1])) s[--n] = 0;
}

hub *hub_new(char *err, size_t errlen)
{
	uint64_t retries = 6, backoff_ms = 1000;
	const char *r = getenv("SFTKIT_HUB_RETRIES"), *bo = getenv("SFTKIT_HUB_BACKOFF_MS");
	if (r && *r && (parse_count(r, &retries) || retries > 100)) {
		err_set(err, errlen, "SFTKIT_HUB_RETRIES: a number of retries from 0 to 100, not '%s'", r);
		return NULL;
	}
	if (bo && *bo && (parse_count(bo, &backoff_ms) || backoff_ms > 600000)) {
		err_set(err, errlen, "SFTKIT_HUB_BACKOFF_MS: milliseconds from 0 to 600000, not '%s'", bo);
		return NULL;
	}
	uint64_t max_pages = HUB_MAX_PAGES;
	const char *mp = getenv("SFTKIT_HUB_MAX_PAGES");
	if (mp && *mp && (parse_count(mp, &max_pages) || max_pages < 1 || max_pages > HUB_MAX_PAGES)) {
		err_set(err, errlen, "SFTKIT_HUB_MAX_PAGES: a number of pages from 1 to %d, not '%s'", HUB_MAX_PAGES, mp);
		return NULL;
	}
	pthread_once(&curl_once, curl_init_once);
	hub *h = xcalloc(1, sizeof *h);
	const char *e = getenv("HF_ENDPOINT");
	h->endpoint = xstrdup(e && *e ? e : "https://huggingface.co");
	rstrip(h->endpoint);
	size_t n = strlen(h->endpoint);
	while (n && h->endpoint[n - 1] == '/') h->endpoint[--n] = 0;

	const char *home = getenv("HF_HOME");
	jbuf b = {0};
	if (home && *home) jbuf_puts(&b, home);
	else jbuf_printf(&b, "%s/.cache/huggingface", getenv("HOME") ? getenv("HOME") : "/tmp");
	char *hf_home = jbuf_detach(&b, NULL);

	const char *tok = getenv("HF_TOKEN");
	if (tok && *tok) {
		h->token = xstrdup(tok);
	} else {
		const char *tp = getenv("HF_TOKEN_PATH");
		jbuf p = {0};
		if (tp && *tp) jbuf_puts(&p, tp);
		else jbuf_printf(&p, "%s/token", hf_home);
		h->token = read_small_file(p.p);
		jbuf_free(&p);
	}
	if (h->token) {
		/* blanks around it are a copy-and-paste's, as huggingface_hub
		 * strips them; one inside (CR, LF, ...) would go raw into a
		 * header: refused, and never printed */
		rstrip(h->token);
		size_t lead = strspn(h->token, " \t\r\n");
		memmove(h->token, h->token + lead, strlen(h->token + lead) + 1);
		for (const unsigned char *t = (const unsigned char *)h->token; *t; t++)
			if (*t <= 0x20 || *t == 0x7f) {
				err_set(err, errlen, "the Hub token (%s) holds a blank or control character: it cannot be "
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
	else { jbuf c = {0}; jbuf_printf(&c, "%s/hub", hf_home); h->cache = jbuf_detach(&c, NULL); }
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

/* ---- paths ---- */

static int mkdirs(const char *path)
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

static int mkparent(const char *path)
{
	char *p = xstrdup(path);
	char *s = strrchr(p, '/');
	int rc = 0;
	if (s && s != p) { *s = 0; rc = mkdirs(p); }
	free(p);
	return rc;
}

static char *pathf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *pathf(const char *fmt, ...)
{
	jbuf b = {0};
	va_list ap;
	va_start(ap, fmt);
	jbuf_vprintf(&b, fmt, ap);
	va_end(ap);
	return jbuf_detach(&b, NULL);
}

/* Write a file atomically (temp + rename). */
static int write_atomic(const char *path, const void *p, size_t n)
{
	if (mkparent(path)) return -1;
	char *tmp = pathf("%s.tmp.%ld", path, (long)getpid());
	FILE *f = fopen(tmp, "wb");
	if (!f) { free(tmp); return -1; }
	int ok = fwrite(p, 1, n, f) == n;
	ok &= fclose(f) == 0;
	if (!ok || rename(tmp, path)) { unlink(tmp); free(tmp); return -1; }
	free(tmp);
	return 0;
}

static int is_commit_sha(const char *s)
{
	size_t n = 0;
	for (; s[n]; n++)
		if (!isxdigit((unsigned char)s[n]) || isupper((unsigned char)s[n])) return 0;
	return n == 40;
}

/* Percent-encode a revision for a URL path segment ("refs/convert/parquet"). */
static void put_escaped(jbuf *b, const char *s, int keep_slash)
{
	for (; *s; s++) {
		unsigned char c = *s;
		if (isalnum(c) || strchr("-._~", c) || (keep_slash && c == '/')) jbuf_putc(b, c);
		else jbuf_printf(b, "%%%02X", c);
	}
}

/* ---- HTTP ---- */

typedef struct resp {
	hub *h;
	long status;
	char repo_commit[96], linked_etag[160], linked_size[32], etag[160];
	char retry_after[64], ratelimit[160], error_code[64], error_msg[256];
	char link_next[2048], content_range[96];
	jbuf body;                /* API body, or an error body of a download */
	FILE *fp;                 /* download sink */
	uint64_t written;
	int truncate_first;       /* a 200 to a Range request: start the file over */
	int write_failed;
	sha256_ctx *sha;          /* hash of the file so far, kept while writing */
	uint64_t range_from;      /* the Range asked (0: none) */
	uint64_t have;            /* bytes already in the file */
	uint64_t expect;          /* the listed size; the file never grows past it */
	int body_started;
	int bad_range;            /* a 206 whose Content-Range is not the one asked */
	int too_long;             /* the body went past the listed size */
	int api_too_big;          /* an API answer past HUB_MAX_API_BYTES */
} resp;

static void hdr_copy(char *dst, size_t cap, const char *v, size_t n)
{
	while (n && (v[n - 1] == '\r' || v[n - 1] == '\n' || v[n - 1] == ' ')) n--;
	while (n && *v == ' ') v++, n--;
	if (n >= cap) n = cap - 1;
	memcpy(dst, v, n);
	dst[n] = 0;
}

static size_t on_header(char *buf, size_t sz, size_t nitems, void *ud)
{
	resp *r = ud;
	size_t n = sz * nitems;
	if (n > 5 && !memcmp(buf, "HTTP/", 5)) {
		const char *sp = memchr(buf, ' ', n);
		r->status = sp ? strtol(sp + 1, NULL, 10) : 0;
		r->link_next[0] = r->retry_after[0] = r->ratelimit[0] = r->content_range[0] = 0;
		r->error_code[0] = r->error_msg[0] = 0;
		return n;
	}
	const char *colon = memchr(buf, ':', n);
	if (!colon) return n;
	size_t kl = colon - buf;
	const char *v = colon + 1;
	size_t vl = n - kl - 1;
#define IS(name) (kl == sizeof(name) - 1 && !strncasecmp(buf, name, kl))
	if (IS("x-repo-commit")) hdr_copy(r->repo_commit, sizeof r->repo_commit, v, vl);
	else if (IS("x-linked-etag")) hdr_copy(r->linked_etag, sizeof r->linked_etag, v, vl);
	else if (IS("x-linked-size")) hdr_copy(r->linked_size, sizeof r->linked_size, v, vl);
	else if (IS("etag")) hdr_copy(r->etag, sizeof r->etag, v, vl);
	else if (IS("retry-after")) hdr_copy(r->retry_after, sizeof r->retry_after, v, vl);
	else if (IS("ratelimit")) hdr_copy(r->ratelimit, sizeof r->ratelimit, v, vl);
	else if (IS("x-error-code")) hdr_copy(r->error_code, sizeof r->error_code, v, vl);
	else if (IS("x-error-message")) hdr_copy(r->error_msg, sizeof r->error_msg, v, vl);
	else if (IS("content-range")) hdr_copy(r->content_range, sizeof r->content_range, v, vl);
	else if (IS("link")) {
		/* <url>; rel="next", <url2>; rel="prev" */
		char tmp[4096];
		hdr_copy(tmp, sizeof tmp, v, vl);
		for (char *s = tmp; (s = strchr(s, '<'));) {
			char *e = strchr(s, '>');
			if (!e) break;
			char *rel = strstr(e, "rel=");
			char *comma = strchr(e, ',');
			if (rel && (!comma || rel < comma) && !strncmp(rel + 4, "\"next\"", 6)) {
				size_t ul = e - s - 1;
				if (ul < sizeof r->link_next) { memcpy(r->link_next, s + 1, ul); r->link_next[ul] = 0; }
			}
			s = e;
		}
	}
#undef IS
	return n;
}

static size_t on_body(char *buf, size_t sz, size_t nitems, void *ud)
{
	resp *r = ud;
	size_t n = sz * nitems;
	if (r->fp && (r->status == 200 || r->status == 206)) {
		if (!r->body_started) {
			r->body_started = 1;
			if (r->status == 206) {
				/* "bytes START-END/TOTAL" (RFC 9110 14.4): it must start
				 * where we asked and, with a total, describe our file */
				unsigned long long a, b, t = 0;
				char tot[32] = "";
				int k = sscanf(r->content_range, "bytes %llu-%llu/%31s", &a, &b, tot);
				if (k == 3 && strcmp(tot, "*")) t = strtoull(tot, NULL, 10);
				if (k != 3 || !r->range_from || a != r->range_from || b < a ||
				    (strcmp(tot, "*") && t != r->expect) || b >= r->expect) {
					r->bad_range = 1;
					return 0;
				}
			}
		}
		if (r->truncate_first && r->status == 200) {
			/* the server ignored our Range: start over */
			if (ftruncate(fileno(r->fp), 0) || fseek(r->fp, 0, SEEK_SET)) { r->write_failed = 1; return 0; }
			r->truncate_first = 0;
			r->have = 0;
			if (r->sha) sha256_init(r->sha);
		}
		r->truncate_first = 0;
		/* an endless or overlong body stops at the listed size */
		if (r->have + r->written + n > r->expect) { r->too_long = 1; return 0; }
		if (fwrite(buf, 1, n, r->fp) != n) { r->write_failed = 1; return 0; }
		if (r->sha) sha256_update(r->sha, buf, n);
		r->written += n;
		pthread_mutex_lock(&r->h->mu);
		r->h->st.bytes += n;
		if (r->h->prog_fn) {
			r->h->prog_done += n;
			r->h->prog_fn(r->h->prog_ctx, r->h->prog_done, r->h->prog_total, 0);
		}
		pthread_mutex_unlock(&r->h->mu);
		return n;
	}
	if (r->body.len + n > HUB_MAX_API_BYTES) { r->api_too_big = 1; return 0; }   /* not an API answer */
	jbuf_put(&r->body, buf, n);
	return n;
}

/* One request. Returns the curl result; r->status holds the final status. */
static CURLcode http_once(hub *h, CURL *c, const char *url, int head, uint64_t range_from, resp *r)
{
	curl_easy_reset(c);
	struct curl_slist *hd = NULL;
	char auth[4200];
	if (h->token && strlen(h->token) < 4096) {
		snprintf(auth, sizeof auth, "Authorization: Bearer %s", h->token);
		hd = curl_slist_append(hd, auth);
	}
	hd = curl_slist_append(hd, "User-Agent: sftkit/" SFTKIT_VERSION "; hf_hub/compatible");
	char range[64];
	if (range_from) {
		snprintf(range, sizeof range, "Range: bytes=%llu-", (unsigned long long)range_from);
		hd = curl_slist_append(hd, range);
	}
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hd);
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
	curl_easy_setopt(c, CURLOPT_MAXREDIRS, 10L);
	/* Authorization set by header is not sent to another host after a
	 * redirect (curl >= 7.58), as the CDN wants. */
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, r);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, r);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 30L);
	/* a stalled transfer (under 1 KB/s for 60 s) is cut and resumed */
	curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1024L);
	curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, 60L);
	curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "");
	if (head) curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
	pthread_mutex_lock(&h->mu);
	h->st.requests++;
	pthread_mutex_unlock(&h->mu);
	CURLcode rc = curl_easy_perform(c);
	curl_slist_free_all(hd);
	return rc;
}

static int retryable(long status)
{
	return status == 408 || status == 429 || status >= 500;
}

/* How long to wait before attempt k (0-based) after response r. */
static long backoff_for(hub *h, const resp *r, int k)
{
	long ms = h->backoff_ms << (k < 6 ? k : 6);
	if (r->retry_after[0] && isdigit((unsigned char)r->retry_after[0]))
		ms = atol(r->retry_after) * 1000;
	const char *t = strstr(r->ratelimit, "t=");
	if (t && isdigit((unsigned char)t[2]) && atol(t + 2) * 1000 > ms && !r->retry_after[0])
		ms = atol(t + 2) * 1000;
	if (ms > 300000) ms = 300000;
	return ms;
}

static const char *kind_word(const char *kind) { return !strcmp(kind, "datasets") ? "dataset" : "model"; }

/* The message for a final HTTP error, saying what to do. */
static void http_error(hub *h, const char *kind, const char *id, const char *what, const resp *r,
		       char *err, size_t errlen)
{
	const char *tok = h->token ? "a token is set but has no access" : "no token: set HF_TOKEN or run `hf auth login`";
	if (r->status == 401 || (r->status == 404 && !strcmp(r->error_code, "RepoNotFound")))
		seterr(h, err, errlen, "%s %s: not found (HTTP %ld): check the name; if it is private, %s",
		       kind_word(kind), id, r->status, tok);
	else if (r->status == 403 && !strcmp(r->error_code, "GatedRepo"))
		seterr(h, err, errlen, "%s %s is gated (HTTP 403): accept its conditions at %s/%s%s and %s",
		       kind_word(kind), id, h->endpoint, strcmp(kind, "datasets") ? "" : "datasets/", id,
		       h->token ? "use a token of that account" : "set HF_TOKEN");
	else if (r->status == 403)
		seterr(h, err, errlen, "%s %s: access denied (HTTP 403)%s%s; %s", kind_word(kind), id,
		       r->error_msg[0] ? ": " : "", r->error_msg, tok);
	else if (r->status == 404 && !strcmp(r->error_code, "RevisionNotFound"))
		seterr(h, err, errlen, "%s %s: revision not found (%s)", kind_word(kind), id, what);
	else if (r->status == 404)
		seterr(h, err, errlen, "%s %s: %s not found (HTTP 404)", kind_word(kind), id, what);
	else
		seterr(h, err, errlen, "%s %s: %s: HTTP %ld%s%s", kind_word(kind), id, what, r->status,
		       r->error_msg[0] ? ": " : "", r->error_msg);
}

/* GET with up to retries retries into r->body (or r->fp). Returns 0 on 2xx;
 * else -1, r->status 0 for a transport error. */
static int http_get_n(hub *h, CURL *c, const char *kind, const char *id, const char *what,
		      const char *url, resp *r, int retries, char *err, size_t errlen)
{
	for (int k = 0;; k++) {
		jbuf_reset(&r->body);
		r->status = 0;
		r->api_too_big = 0;
		CURLcode rc = http_once(h, c, url, 0, 0, r);
		if (r->api_too_big) {
			seterr(h, err, errlen, "%s %s: %s: the answer is over %d MiB, sftkit's bound for an API answer (not a Hub answer?)",
			       kind_word(kind), id, what, HUB_MAX_API_BYTES >> 20);
			return -1;
		}
		if (rc == CURLE_OK && r->status >= 200 && r->status < 300) return 0;
		int again = rc != CURLE_OK || retryable(r->status);
		if (rc != CURLE_OK) r->status = 0;
		if (!again || k >= retries) {
			if (rc != CURLE_OK)
				seterr(h, err, errlen, "%s %s: %s: %s (after %d attempts)", kind_word(kind), id, what,
				       curl_easy_strerror(rc), k + 1);
			else
				http_error(h, kind, id, what, r, err, errlen);
			return -1;
		}
		pthread_mutex_lock(&h->mu);
		h->st.retries++;
		pthread_mutex_unlock(&h->mu);
		sleep_ms(backoff_for(h, r, k));
	}
}

static int http_get(hub *h, CURL *c, const char *kind, const char *id, const char *what,
		    const char *url, resp *r, char *err, size_t errlen)
{
	return http_get_n(h, c, kind, id, what, url, r, h->retries, err, errlen);
}

static CURL *main_curl(hub *h)
{
	if (!h->curl) h->curl = curl_easy_init();
	return h->curl;
}

int hub_get_json(hub *h, const char *url_path, char **body, size_t *len)
{
	char *url = pathf("%s%s", h->endpoint, url_path);
	resp r = { .h = h };
	int rc = http_get(h, main_curl(h), "datasets", url_path, "GET", url, &r, h->err, sizeof h->err);
	free(url);
	if (rc) { jbuf_free(&r.body); return -1; }
	jbuf_put(&r.body, "", 0);
	*body = jbuf_detach(&r.body, len);
	return 0;
}

/* ---- repo listing ---- */

static int cmp_file(const void *a, const void *b)
{
	return strcmp(((const hub_file *)a)->path, ((const hub_file *)b)->path);
}

static void add_file(hub_repo *r, size_t *cap, const char *path, uint64_t size, const char *etag, int lfs)
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

static char *str_of(const json_doc *d, uint32_t i)
{
	if (json_type_of(d, i) != JSON_STRING) return NULL;
	char *s = xmalloc(d->nodes[i].len + 1);
	size_t n = json_str_decode(d, i, s);
	s[n] = 0;
	return s;
}

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
		char *path = str_of(&d, json_get(&d, e, "path"));
		char *oid = str_of(&d, json_get(&d, e, "oid"));
		int64_t size = 0;
		uint32_t sz = json_get(&d, e, "size");
		if (json_type_of(&d, sz) == JSON_NUMBER) json_num_i64(&d, sz, &size);
		uint32_t lfs = json_get(&d, e, "lfs");
		char *lfs_oid = NULL;
		if (json_type_of(&d, lfs) == JSON_OBJECT) lfs_oid = str_of(&d, json_get(&d, lfs, "oid"));
		if (path && (oid || lfs_oid) && size >= 0)
			add_file(r, cap, path, (uint64_t)size, lfs_oid ? lfs_oid : oid, lfs_oid != NULL);
		free(path);
		free(oid);
		free(lfs_oid);
	}
	rc = 0;
out:
	json_doc_free(&d);
	return rc;
}

static char *tree_cache_path(const hub_repo *r)
{
	return pathf("%s/.sftkit/tree-%s.jsonl", r->cache_dir, r->commit);
}

static void save_tree_cache(const hub_repo *r)
{
	jbuf b = {0};
	for (size_t i = 0; i < r->nfiles; i++) {
		const hub_file *f = &r->files[i];
		jbuf_puts(&b, "{\"path\":");
		json_write_str(&b, f->path, strlen(f->path));
		jbuf_printf(&b, ",\"size\":%llu,\"etag\":", (unsigned long long)f->size);
		json_write_str(&b, f->etag, strlen(f->etag));
		jbuf_printf(&b, ",\"lfs\":%s}\n", f->lfs ? "true" : "false");
	}
	char *p = tree_cache_path(r);
	write_atomic(p, b.p ? b.p : "", b.len);   /* a cache: failure only costs a request next time */
	free(p);
	jbuf_free(&b);
}

static int load_tree_cache(hub_repo *r)
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
		char *path = str_of(&d, json_get(&d, 0, "path"));
		char *etag = str_of(&d, json_get(&d, 0, "etag"));
		int64_t size = -1;
		json_num_i64(&d, json_get(&d, 0, "size"), &size);
		if (!path || !etag || size < 0) bad = 1;
		else add_file(r, &cap, path, size, etag, json_type_of(&d, json_get(&d, 0, "lfs")) == JSON_TRUE);
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
	char *dir = rel[0] ? pathf("%s/%s", root, rel) : xstrdup(root);
	DIR *dp = opendir(dir);
	if (!dp) { free(dir); return; }
	struct dirent *de;
	while ((de = readdir(dp))) {
		if (de->d_name[0] == '.') continue;
		char *sub = rel[0] ? pathf("%s/%s", rel, de->d_name) : xstrdup(de->d_name);
		char *full = pathf("%s/%s", root, sub);
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
				add_file(r, cap, sub, st.st_size, etag, strlen(etag) == 64);
			}
		}
		free(sub);
		free(full);
	}
	closedir(dp);
	free(dir);
}

static char *read_ref(const hub_repo *r, const char *rev)
{
	char *p = pathf("%s/refs/%s", r->cache_dir, rev);
	char *s = read_small_file(p);
	free(p);
	if (s) {
		rstrip(s);
		if (!is_commit_sha(s)) { free(s); s = NULL; }
	}
	return s;
}

static void hub_repo_files_free(hub_repo *r);

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

int hub_repo_open(hub *h, const char *kind, const char *id, const char *revision, hub_repo *r)
{
	memset(r, 0, sizeof *r);
	if (!hub_repo_id_ok(id)) {
		seterr(h, h->err, sizeof h->err, "'%s': a repo id is ORG/NAME", id);
		return -1;
	}
	if (revision && !hub_revision_ok(revision)) {
		/* it names a file under refs/ in the cache */
		jbuf q = JBUF_INIT;
		for (const unsigned char *s = (const unsigned char *)revision; *s && q.len < 200; s++)
			if (*s < 0x20 || *s == 0x7f) jbuf_printf(&q, "\\x%02x", *s);
			else jbuf_putc(&q, (char)*s);
		seterr(h, h->err, sizeof h->err, "revision '%s': a branch, tag or commit has no '..', no leading '/' "
		       "and no control character", q.p ? q.p : "");
		jbuf_free(&q);
		return -1;
	}
	const char *slash = strchr(id, '/');
	snprintf(r->kind, sizeof r->kind, "%s", kind);
	r->id = xstrdup(id);
	r->revision = xstrdup(revision && *revision ? revision : "main");
	r->cache_dir = pathf("%s/%s--%.*s--%s", h->cache, kind, (int)(slash - id), id, slash + 1);
	size_t cap = 0;

	if (is_commit_sha(r->revision)) r->commit = xstrdup(r->revision);
	else if (h->offline) r->commit = read_ref(r, r->revision);

	if (h->offline) {
		if (!r->commit) {
			seterr(h, h->err, sizeof h->err,
			       "%s %s: revision '%s' is not in the cache %s (HF_HUB_OFFLINE is set: fetch it once online)",
			       kind_word(kind), id, r->revision, h->cache);
			return -1;
		}
		if (load_tree_cache(r) == 0) { r->from_cache = 1; return 0; }
		char *snap = pathf("%s/snapshots/%s", r->cache_dir, r->commit);
		walk_snapshot(r, &cap, snap, "");
		free(snap);
		if (!r->nfiles) {
			seterr(h, h->err, sizeof h->err, "%s %s: commit %s is not in the cache %s (HF_HUB_OFFLINE is set)",
			       kind_word(kind), id, r->commit, h->cache);
			return -1;
		}
		qsort(r->files, r->nfiles, sizeof *r->files, cmp_file);
		r->from_cache = 1;
		return 0;
	}

	CURL *c = main_curl(h);
	resp rs = { .h = h };
	int rc = -1;
	if (!r->commit) {
		jbuf u = {0};
		jbuf_printf(&u, "%s/api/%s/%s/revision/", h->endpoint, kind, id);
		put_escaped(&u, r->revision, 0);
		char what[300];
		snprintf(what, sizeof what, "revision '%s'", r->revision);
		/* a revision the cache resolved before, with its listing: a Hub
		 * that is down or overloaded is asked once more, not for a minute,
		 * and the cache answers with a warning, as huggingface_hub does */
		char *cached = read_ref(r, r->revision);
		if (cached) {
			r->commit = cached;
			int listed = load_tree_cache(r) == 0;
			hub_repo_files_free(r);
			r->commit = NULL;
			if (!listed) { free(cached); cached = NULL; }
		}
		if (http_get_n(h, c, kind, id, what, u.p, &rs, cached ? (h->retries < 1 ? h->retries : 1) : h->retries,
			       h->err, sizeof h->err)) {
			jbuf_free(&u);
			if (cached && (rs.status == 0 || retryable(rs.status))) {
				char why[sizeof h->err];
				snprintf(why, sizeof why, "%s", h->err);
				r->commit = cached;
				load_tree_cache(r);
				r->from_cache = 1;
				jbuf w = JBUF_INIT;
				jbuf_printf(&w, "%s; using the cached commit %.12s of '%s'", why, r->commit, r->revision);
				r->warning = jbuf_detach(&w, NULL);
				h->err[0] = 0;
				rc = 0;
			} else {
				free(cached);
			}
			goto out;
		}
		free(cached);
		jbuf_free(&u);
		json_doc d;
		json_doc_init(&d);
		if (json_parse(&d, rs.body.p, rs.body.len) == 0 && json_type_of(&d, 0) == JSON_OBJECT)
			r->commit = str_of(&d, json_get(&d, 0, "sha"));
		json_doc_free(&d);
		if (!r->commit || !is_commit_sha(r->commit)) {
			seterr(h, h->err, sizeof h->err, "%s %s: the Hub's answer for revision '%s' has no commit sha",
			       kind_word(kind), id, r->revision);
			goto out;
		}
		char *ref = pathf("%s/refs/%s", r->cache_dir, r->revision);
		write_atomic(ref, r->commit, strlen(r->commit));
		free(ref);
	}
	if (load_tree_cache(r) == 0) { r->from_cache = 1; rc = 0; goto out; }
	jbuf u = {0};
	jbuf_printf(&u, "%s/api/%s/%s/tree/%s?recursive=true&expand=false", h->endpoint, kind, id, r->commit);
	char *url = jbuf_detach(&u, NULL);
	/* the pages' URLs seen, by hash: a next link back to one of them loops */
	size_t seen_cap = 1024;
	uint64_t *seen = xcalloc(seen_cap, sizeof *seen);
	for (int page = 0; url; page++) {
		if (seen_add(&seen, &seen_cap, (size_t)page, url)) {
			seterr(h, h->err, sizeof h->err, "%s: the tree listing's next-page link goes back to a page already read (%s)", id, url);
			free(url);
			free(seen);
			goto out;
		}
		if (page >= h->max_pages) {
			seterr(h, h->err, sizeof h->err, "%s: the tree listing has more than %d pages (sftkit's bound): it does not end", id, h->max_pages);
			free(url);
			free(seen);
			goto out;
		}
		if (http_get(h, c, kind, id, "file listing", url, &rs, h->err, sizeof h->err)) { free(url); free(seen); goto out; }
		free(url);
		url = NULL;
		if (parse_tree_page(r, &cap, rs.body.p, rs.body.len, h->err, sizeof h->err)) { free(seen); goto out; }
		if (rs.link_next[0]) url = xstrdup(rs.link_next);
	}
	free(seen);
	qsort(r->files, r->nfiles, sizeof *r->files, cmp_file);
	save_tree_cache(r);
	rc = 0;
out:
	jbuf_free(&rs.body);
	return rc;
}

static void hub_repo_files_free(hub_repo *r)
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
	return bsearch(&key, r->files, r->nfiles, sizeof *r->files, cmp_file);
}

/* ---- downloads ---- */

static int make_link(const hub_repo *r, const hub_file *f, const char *snap)
{
	/* relative: snapshots/<commit>/<path> -> ../../(../ per directory)blobs/<etag> */
	jbuf t = {0};
	jbuf_puts(&t, "../../");
	for (const char *s = f->path; *s; s++)
		if (*s == '/') jbuf_puts(&t, "../");
	jbuf_printf(&t, "blobs/%s", f->etag);
	int rc = mkparent(snap);
	if (!rc) {
		/* made beside it and renamed over it: a concurrent reader of the
		 * snapshot path finds the old link or the new, never none */
		char *tmp = pathf("%s.sftkit-link.%ld", snap, (long)getpid());
		unlink(tmp);
		rc = symlink(t.p, tmp);
		if (!rc && (rc = rename(tmp, snap))) unlink(tmp);
		free(tmp);
	}
	(void)r;
	jbuf_free(&t);
	return rc;
}

static int file_size_is(const char *path, uint64_t size)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISREG(st.st_mode) && (uint64_t)st.st_size == size;
}

static int valid_etag(const char *s)
{
	if (!*s || strlen(s) > 128) return 0;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '-' && *s != '_') return 0;
	return 1;
}

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
static int transfer_fault(hub *h, const hub_repo *r, const hub_file *f, const resp *rs, const char *inc,
			  char *err, size_t errlen)
{
	if (rs->bad_range)
		seterr(h, err, errlen, "%s: %s: asked for bytes %llu- of %llu, the server answered 206 with "
		       "Content-Range '%s'; removed the partial download", r->id, f->path,
		       (unsigned long long)rs->range_from, (unsigned long long)f->size, rs->content_range);
	else if (rs->too_long)
		seterr(h, err, errlen, "%s: %s: the server sent more than the listed %llu bytes; removed the partial download",
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
		if (sha1_git_blob_file_hex(inc, hex)) { seterr(h, err, errlen, "%s: %s", inc, strerror(errno)); return -1; }
	}
	if (!strcmp(hex, f->etag)) return 0;
	seterr(h, err, errlen, "%s: %s: %s %s does not match the Hub's %s; removed the download", r->id, f->path, what, hex, f->etag);
	unlink(inc);
	return -1;
}

/* Take huggingface_hub's lock for a blob: {cache}/.locks/{repo folder}/{etag}.lock,
 * flock()ed exclusively as its filelock.UnixFileLock does, so that sftkit and
 * huggingface_hub (and several sftkit processes) never write one blob's
 * .incomplete at once. Blocks until the lock is free. Returns the open
 * descriptor (closing it releases the lock) or -1 with errno set. */
static int lock_blob(const hub *h, const hub_repo *r, const char *etag)
{
	const char *folder = strrchr(r->cache_dir, '/');
	folder = folder ? folder + 1 : r->cache_dir;
	char *lp = pathf("%s/.locks/%s/%s.lock", h->cache, folder, etag);
	int fd = -1;
	if (mkparent(lp) == 0) fd = open(lp, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
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

static int download_one(hub *h, CURL *c, const hub_repo *r, const hub_file *f, char **local,
			char *err, size_t errlen)
{
	*local = NULL;
	if (strstr(f->path, "..") || f->path[0] == '/' || !valid_etag(f->etag)) {
		seterr(h, err, errlen, "%s: refusing unsafe path or etag '%s'", r->id, f->path);
		return -1;
	}
	char *snap = pathf("%s/snapshots/%s/%s", r->cache_dir, r->commit, f->path);
	char *blob = pathf("%s/blobs/%s", r->cache_dir, f->etag);
	char *inc = pathf("%s.incomplete", blob);
	char *url = NULL;
	FILE *fp = NULL;
	resp rs = { .h = h };
	sha256_ctx sha;
	int rc = -1, lockfd = -1;

	/* a blob is renamed into place only once complete and verified, so
	 * one of the right size needs no lock */
	if (file_size_is(snap, f->size)) { rc = 0; goto out; }
	if (!h->offline) {   /* offline, a read-only cache must still serve */
		lockfd = lock_blob(h, r, f->etag);
		if (lockfd < 0) {
			seterr(h, err, errlen, "%s/.locks: cannot lock %s: %s", h->cache, f->etag, strerror(errno));
			goto out;
		}
	}
	/* checked again under the lock: another process may have finished it */
	if (file_size_is(blob, f->size)) {
		if (make_link(r, f, snap)) { seterr(h, err, errlen, "%s: %s", snap, strerror(errno)); goto out; }
		rc = 0;
		goto out;
	}
	if (h->offline) {
		seterr(h, err, errlen, "%s %s: %s is not in the cache (HF_HUB_OFFLINE is set)", kind_word(r->kind), r->id, f->path);
		goto out;
	}
	if (mkparent(blob)) { seterr(h, err, errlen, "%s: %s", blob, strerror(errno)); goto out; }
	jbuf u = {0};
	jbuf_printf(&u, "%s/%s%s/resolve/%s/", h->endpoint, strcmp(r->kind, "datasets") ? "" : "datasets/", r->id, r->commit);
	put_escaped(&u, f->path, 1);
	url = jbuf_detach(&u, NULL);

	for (int k = 0;; k++) {
		fp = fopen(inc, "ab");
		if (!fp) { seterr(h, err, errlen, "%s: %s", inc, strerror(errno)); goto out; }
		struct stat st;
		uint64_t have = fstat(fileno(fp), &st) == 0 ? (uint64_t)st.st_size : 0;
		if (have > f->size) {
			if (ftruncate(fileno(fp), 0)) { seterr(h, err, errlen, "%s: %s", inc, strerror(errno)); goto out; }
			have = 0;
		}
		/* the hash covers what is already there, then grows with each write */
		sha256_init(&sha);
		if (f->lfs && have && hash_prefix(inc, have, &sha)) { seterr(h, err, errlen, "%s: %s", inc, strerror(errno)); goto out; }
		jbuf_reset(&rs.body);
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
			cc = http_once(h, c, url, 0, have, &rs);
		else
			rs.status = 206;   /* all there already: verify below */
		if (fclose(fp) != 0 && cc == CURLE_OK) rs.write_failed = 1;
		fp = NULL;
		if (rs.write_failed) { seterr(h, err, errlen, "%s: write failed: %s", inc, strerror(errno)); goto out; }
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
					seterr(h, err, errlen, "%s: %s: the Hub serves etag %s, the listing said %s (the file changed?)",
					       r->id, f->path, q, f->etag);
					unlink(inc);
					goto out;
				}
			}
			if (rs.linked_size[0] && strtoull(rs.linked_size, NULL, 10) != f->size) {
				seterr(h, err, errlen, "%s: %s: X-Linked-Size %s differs from the listing's %llu", r->id,
				       f->path, rs.linked_size, (unsigned long long)f->size);
				unlink(inc);
				goto out;
			}
			if (file_size_is(inc, f->size)) break;
			/* short body without a transport error: treat as a cut and resume */
		} else if (cc == CURLE_OK && !retryable(rs.status)) {
			char what[600];
			snprintf(what, sizeof what, "%s", f->path);
			http_error(h, r->kind, r->id, what, &rs, err, errlen);
			goto out;
		}
		if (k >= h->retries) {
			struct stat ist;
			uint64_t got = stat(inc, &ist) == 0 ? (uint64_t)ist.st_size : 0;
			if (cc == CURLE_PARTIAL_FILE || (cc == CURLE_OK && (rs.status == 200 || rs.status == 206)))
				seterr(h, err, errlen, "%s: %s: the server keeps closing the transfer short of its length: %llu of the "
				       "listed %llu bytes after %d attempts (the partial file stays as %s and resumes next time)",
				       r->id, f->path, (unsigned long long)got, (unsigned long long)f->size, k + 1, inc);
			else if (cc != CURLE_OK)
				seterr(h, err, errlen, "%s: %s: %s (after %d attempts; the partial file stays as %s and resumes next time)",
				       r->id, f->path, curl_easy_strerror(cc), k + 1, inc);
			else
				seterr(h, err, errlen, "%s: %s: HTTP %ld after %d attempts", r->id, f->path, rs.status, k + 1);
			goto out;
		}
		pthread_mutex_lock(&h->mu);
		h->st.retries++;
		pthread_mutex_unlock(&h->mu);
		/* a cut connection resumes at once the first time; HTTP errors back off */
		if (cc != CURLE_OK && k == 0) continue;
		sleep_ms(backoff_for(h, &rs, k));
	}
	if (verify_blob(h, r, f, &sha, inc, err, errlen)) goto out;
	if (rename(inc, blob)) { seterr(h, err, errlen, "%s: %s", blob, strerror(errno)); goto out; }
	if (make_link(r, f, snap)) { seterr(h, err, errlen, "%s: %s", snap, strerror(errno)); goto out; }
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
	jbuf_free(&rs.body);
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
