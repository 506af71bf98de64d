/*
 * http.h — the hub client's HTTP layer (libcurl), private to src/lib/hub:
 * one request with the token, redirects and an optional Range; GETs retried
 * on transport errors, 408, 429 and 5xx with backoff honouring Retry-After
 * and RateLimit; the message for a final HTTP error. Bodies go to a buffer
 * (API answers, at most HUB_MAX_API_BYTES) or to a file (downloads, checked
 * against the listed size and the asked Content-Range, hashed as written).
 *
 * The client struct lives here so that hub.c (listing), download.c and
 * http.c share it; nothing outside src/lib/hub includes this header.
 * Thread-safety: a CURL handle is one thread's; h->mu guards the client's
 * stats, err and progress, shared with the download workers.
 */
#ifndef SFTKIT_HUB_HTTP_H
#define SFTKIT_HUB_HTTP_H

#include <curl/curl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>

#include "hub/hub.h"
#include "sha256.h"
#include "util.h"

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


/* ---- HTTP ---- */

typedef struct hub_resp {
	hub *h;
	long status;
	char repo_commit[96], linked_etag[160], linked_size[32], etag[160];
	char retry_after[64], ratelimit[160], error_code[64], error_msg[256];
	char link_next[2048], content_range[96];
	strbuf body;                /* API body, or an error body of a download */
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
} hub_resp;

void hub_sleep_ms(long ms);
void hub_seterr(hub *h, char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* Percent-encode s for a URL path (keep_slash: '/' stays). */
void hub_url_escape(strbuf *b, const char *s, int keep_slash);
/* One request. Returns the curl result; r->status holds the final status. */
CURLcode hub_http_once(hub *h, CURL *c, const char *url, int head, uint64_t range_from, hub_resp *r);
int hub_http_retryable(long status);
/* How long to wait before attempt k (0-based) after response r. */
long hub_http_backoff(hub *h, const hub_resp *r, int k);
const char *hub_kind_word(const char *kind);
/* The message for a final HTTP error, saying what to do. */
void hub_http_error(hub *h, const char *kind, const char *id, const char *what, const hub_resp *r,
		    char *err, size_t errlen);
/* GET with up to retries retries into r->body (or r->fp). Returns 0 on 2xx;
 * else -1, r->status 0 for a transport error. */
int hub_http_get_n(hub *h, CURL *c, const char *kind, const char *id, const char *what,
		   const char *url, hub_resp *r, int retries, char *err, size_t errlen);
int hub_http_get(hub *h, CURL *c, const char *kind, const char *id, const char *what,
		 const char *url, hub_resp *r, char *err, size_t errlen);
/* The client's own handle, for the calling thread's API requests. */
CURL *hub_main_curl(hub *h);

#endif
