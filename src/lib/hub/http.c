/* http.c — the hub client's HTTP layer (libcurl, retries, ranges). See http.h. */
#include "hub/http.h"
#include "hub/cache.h"

#include <time.h>
#include <unistd.h>
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
void hub_sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

void hub_seterr(hub *h, char *err, size_t errlen, const char *fmt, ...)
{
	(void)h;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* Percent-encode a revision for a URL path segment ("refs/convert/parquet"). */
void hub_url_escape(strbuf *b, const char *s, int keep_slash)
{
	for (; *s; s++) {
		unsigned char c = *s;
		if (isalnum(c) || strchr("-._~", c) || (keep_slash && c == '/')) strbuf_putc(b, c);
		else strbuf_printf(b, "%%%02X", c);
	}
}

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
	hub_resp *r = ud;
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
	hub_resp *r = ud;
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
	strbuf_put(&r->body, buf, n);
	return n;
}

/* One request. Returns the curl result; r->status holds the final status. */
CURLcode hub_http_once(hub *h, CURL *c, const char *url, int head, uint64_t range_from, hub_resp *r)
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

int hub_http_retryable(long status)
{
	return status == 408 || status == 429 || status >= 500;
}

/* How long to wait before attempt k (0-based) after response r. */
long hub_http_backoff(hub *h, const hub_resp *r, int k)
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

const char *hub_kind_word(const char *kind) { return !strcmp(kind, "datasets") ? "dataset" : "model"; }

/* The message for a final HTTP error, saying what to do. */
void hub_http_error(hub *h, const char *kind, const char *id, const char *what, const hub_resp *r,
		       char *err, size_t errlen)
{
	const char *tok = h->token ? "a token is set but has no access" : "no token: set HF_TOKEN or run `hf auth login`";
	if (r->status == 401 || (r->status == 404 && !strcmp(r->error_code, "RepoNotFound")))
		hub_seterr(h, err, errlen, "%s %s: not found (HTTP %ld): check the name; if it is private, %s",
		       hub_kind_word(kind), id, r->status, tok);
	else if (r->status == 403 && !strcmp(r->error_code, "GatedRepo"))
		hub_seterr(h, err, errlen, "%s %s is gated (HTTP 403): accept its conditions at %s/%s%s and %s",
		       hub_kind_word(kind), id, h->endpoint, strcmp(kind, "datasets") ? "" : "datasets/", id,
		       h->token ? "use a token of that account" : "set HF_TOKEN");
	else if (r->status == 403)
		hub_seterr(h, err, errlen, "%s %s: access denied (HTTP 403)%s%s; %s", hub_kind_word(kind), id,
		       r->error_msg[0] ? ": " : "", r->error_msg, tok);
	else if (r->status == 404 && !strcmp(r->error_code, "RevisionNotFound"))
		hub_seterr(h, err, errlen, "%s %s: revision not found (%s)", hub_kind_word(kind), id, what);
	else if (r->status == 404)
		hub_seterr(h, err, errlen, "%s %s: %s not found (HTTP 404)", hub_kind_word(kind), id, what);
	else
		hub_seterr(h, err, errlen, "%s %s: %s: HTTP %ld%s%s", hub_kind_word(kind), id, what, r->status,
		       r->error_msg[0] ? ": " : "", r->error_msg);
}

/* GET with up to retries retries into r->body (or r->fp). Returns 0 on 2xx;
 * else -1, r->status 0 for a transport error. */
int hub_http_get_n(hub *h, CURL *c, const char *kind, const char *id, const char *what,
		      const char *url, hub_resp *r, int retries, char *err, size_t errlen)
{
	for (int k = 0;; k++) {
		strbuf_reset(&r->body);
		r->status = 0;
		r->api_too_big = 0;
		CURLcode rc = hub_http_once(h, c, url, 0, 0, r);
		if (r->api_too_big) {
			hub_seterr(h, err, errlen, "%s %s: %s: the answer is over %d MiB, sftkit's bound for an API answer (not a Hub answer?)",
			       hub_kind_word(kind), id, what, HUB_MAX_API_BYTES >> 20);
			return -1;
		}
		if (rc == CURLE_OK && r->status >= 200 && r->status < 300) return 0;
		int again = rc != CURLE_OK || hub_http_retryable(r->status);
		if (rc != CURLE_OK) r->status = 0;
		if (!again || k >= retries) {
			if (rc != CURLE_OK)
				hub_seterr(h, err, errlen, "%s %s: %s: %s (after %d attempts)", hub_kind_word(kind), id, what,
				       curl_easy_strerror(rc), k + 1);
			else
				hub_http_error(h, kind, id, what, r, err, errlen);
			return -1;
		}
		pthread_mutex_lock(&h->mu);
		h->st.retries++;
		pthread_mutex_unlock(&h->mu);
		hub_sleep_ms(hub_http_backoff(h, r, k));
	}
}

int hub_http_get(hub *h, CURL *c, const char *kind, const char *id, const char *what,
		    const char *url, hub_resp *r, char *err, size_t errlen)
{
	return hub_http_get_n(h, c, kind, id, what, url, r, h->retries, err, errlen);
}

CURL *hub_main_curl(hub *h)
{
	if (!h->curl) h->curl = curl_easy_init();
	return h->curl;
}

int hub_get_json(hub *h, const char *url_path, char **body, size_t *len)
{
	char *url = hub_pathf("%s%s", h->endpoint, url_path);
	hub_resp r = { .h = h };
	int rc = hub_http_get(h, hub_main_curl(h), "datasets", url_path, "GET", url, &r, h->err, sizeof h->err);
	free(url);
	if (rc) { strbuf_free(&r.body); return -1; }
	strbuf_put(&r.body, "", 0);
	*body = strbuf_detach(&r.body, len);
	return 0;
}
