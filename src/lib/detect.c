/* detect.c — see detect.h. */
#include "detect.h"

#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include <ctype.h>
#include <stdio.h>
#include <string.h>

void det_init(det_ctx *c) { memset(c, 0, sizeof *c); }
void det_free(det_ctx *c) { jbuf_free(&c->text); }

static int nonempty(const json_doc *d, uint32_t v)
{
	if (v == JSON_NONE) return 0;
	switch (d->nodes[v].type) {
	case JSON_NULL: case JSON_FALSE: return 0;
	case JSON_STRING: return d->nodes[v].len > 0 && !(d->nodes[v].len == 2 && !memcmp(d->src + d->nodes[v].off, "[]", 2));
	case JSON_ARRAY: case JSON_OBJECT: return d->nodes[v].count > 0;
	default: return 1;
	}
}

/*
 * Prose walker: calls fn at every trigger character of s that stands outside
 * code. Fences (CommonMark): a line whose first characters (after up to 3
 * spaces) are ``` or ~~~ opens a block that a line starting with a run of the
 * same character, at least as long, closes; an unclosed fence runs to the end.
 * Inline code: a run of N backticks up to the next run of exactly N before the
 * paragraph ends (a blank line); the search is bounded (64 KiB) so hostile
 * input stays linear.
 */
typedef int (*prose_fn)(const char *s, size_t n, size_t at, int line_start, void *ctx);

#define SPAN_SEARCH_MAX (64u * 1024)

static size_t close_inline(const char *s, size_t n, size_t from, size_t r)
{
	size_t lim = n - from > SPAN_SEARCH_MAX ? from + SPAN_SEARCH_MAX : n;
	size_t q = from;
	while (q < lim) {
		char c = s[q];
		if (c == '`') {
			size_t r2 = 0;
			while (q + r2 < n && s[q + r2] == '`') r2++;
			if (r2 == r) return q + r2;
			q += r2;
		} else if (c == '\n' && q + 1 < n && s[q + 1] == '\n') {
			return 0;   /* paragraph ended */
		} else {
			q++;
		}
	}
	return 0;
}

/* Index of the first byte at or after i that is one of the nt trigger bytes
 * (n when none): 16 bytes at a time, since most prose has no trigger. */
static size_t next_trigger(const char *s, size_t n, size_t i, const unsigned char *tb, int nt)
{
#ifdef __SSE2__
	__m128i v[8];
	for (int k = 0; k < nt; k++) v[k] = _mm_set1_epi8((char)tb[k]);
	while (i + 16 <= n) {
		__m128i x = _mm_loadu_si128((const __m128i *)(s + i));
		__m128i m = _mm_cmpeq_epi8(x, v[0]);
		for (int k = 1; k < nt; k++) m = _mm_or_si128(m, _mm_cmpeq_epi8(x, v[k]));
		unsigned mask = (unsigned)_mm_movemask_epi8(m);
		if (mask) return i + (size_t)__builtin_ctz(mask);
		i += 16;
	}
#endif
	for (; i < n; i++)
		for (int k = 0; k < nt; k++)
			if ((unsigned char)s[i] == tb[k]) return i;
	return n;
}

static int walk_prose(const char *s, size_t n, const char *triggers, prose_fn fn, void *ctx)
{
	unsigned char trig[256] = {0};
	unsigned char tb[8];
	int nt = 0;
	for (const char *t = triggers; *t && nt < 6; t++) { trig[(unsigned char)*t] = 1; tb[nt++] = (unsigned char)*t; }
	trig['`'] = trig['\n'] = 1;
	tb[nt++] = '`';
	tb[nt++] = '\n';
	size_t i = 0;
	int line_start = 1;
	while (i < n) {
		if (line_start) {
			size_t k = i;
			while (k < n && k - i < 3 && s[k] == ' ') k++;
			if (k < n && (s[k] == '`' || s[k] == '~')) {
				char ch = s[k];
				size_t run = 0;
				while (k + run < n && s[k + run] == ch) run++;
				if (run >= 3) {
					/* fenced block: skip to the closing fence line */
					const char *nl = memchr(s + k, '\n', n - k);
					size_t p = nl ? (size_t)(nl - s) + 1 : n;
					while (p < n) {
						size_t q = p, r2 = 0;
						while (q < n && q - p < 3 && s[q] == ' ') q++;
						while (q + r2 < n && s[q + r2] == ch) r2++;
						const char *nl2 = memchr(s + p, '\n', n - p);
						size_t next = nl2 ? (size_t)(nl2 - s) + 1 : n;
						if (r2 >= run) { p = next; break; }
						p = next;
					}
					i = p;
					line_start = 1;
					continue;
				}
			}
		}
		unsigned char c = (unsigned char)s[i];
		if (!trig[c]) {
			if (c != ' ' && c != '\t') line_start = 0;
			i++;
			/* past the line's start nothing but a trigger matters: skip to it */
			if (!line_start) i = next_trigger(s, n, i, tb, nt);
			continue;
		}
		if (c == '\n') { line_start = 1; i++; continue; }
		if (c == '`') {
			size_t r = 0;
			while (i + r < n && s[i + r] == '`') r++;
			size_t close = close_inline(s, n, i + r, r);
			i = close ? close : i + r;
			line_start = 0;
			continue;
		}
		int rc = fn(s, n, i, line_start, ctx);
		if (rc) return rc;
		line_start = 0;
		i++;
	}
	return 0;
}

static int starts(const char *s, size_t n, size_t at, const char *lit)
{
	size_t l = strlen(lit);
	return at + l <= n && !memcmp(s + at, lit, l);
}

/* "<name_123>" / "<|name_123|>" with the digits */
static int numbered_tag(const char *s, size_t n, size_t at, const char *prefix, const char *suffix)
{
	if (!starts(s, n, at, prefix)) return 0;
	size_t p = at + strlen(prefix), d = p;
	while (p < n && isdigit((unsigned char)s[p])) p++;
	return p > d && starts(s, n, p, suffix);
}

static const char *const media_placeholders[] = {
	"<image>", "<video>", "<audio>", "<|image|>", "<|video|>", "<|audio|>", "<|IMAGE|>", "<|VIDEO|>", "<|AUDIO|>",
	"<|image_pad|>", "<|video_pad|>", "<|vision_start|>", "<|vision_end|>", "<|vision_pad|>",
	"<|audio_bos|>", "<|audio_eos|>", "<|AUDIO_BOS|>", "<start_of_image>", "<|begin_of_image|>",
	"<|img|>", "<img_placeholder>", "[IMG]", NULL};

struct mm_ctx { const char *reason; char *detail; size_t dn; };

static int mm_at(const char *s, size_t n, size_t at, int line_start, void *vctx)
{
	struct mm_ctx *c = vctx;
	(void)line_start;
	if (s[at] == '<' || s[at] == '[') {
		for (int k = 0; media_placeholders[k]; k++)
			if (starts(s, n, at, media_placeholders[k])) {
				c->reason = "multimodal_placeholder";
				snprintf(c->detail, c->dn, "placeholder %s", media_placeholders[k]);
				return 1;
			}
		if (numbered_tag(s, n, at, "<image_", ">") || numbered_tag(s, n, at, "<|image_", "|>") ||
		    numbered_tag(s, n, at, "<image", ">") || numbered_tag(s, n, at, "<video_", ">")) {
			c->reason = "multimodal_placeholder";
			snprintf(c->detail, c->dn, "numbered image placeholder");
			return 1;
		}
		if ((starts(s, n, at, "<img") || starts(s, n, at, "<IMG")) && at + 4 < n &&
		    (s[at + 4] == ' ' || s[at + 4] == '\t' || s[at + 4] == '\n' || s[at + 4] == '/' || s[at + 4] == '>')) {
			/* an HTML image tag with a source */
			const char *gt = memchr(s + at, '>', n - at);
			size_t end = gt ? (size_t)(gt - s) : n;
			if (memmem(s + at, end - at, "src", 3)) {
				c->reason = "multimodal_html_img";
				snprintf(c->detail, c->dn, "HTML <img> tag");
				return 1;
			}
		}
	} else if (s[at] == '!' && at + 1 < n && s[at + 1] == '[') {
		/* ![alt](target) on one line */
		const char *nl = memchr(s + at, '\n', n - at);
		size_t end = nl ? (size_t)(nl - s) : n;
		const char *close = memchr(s + at + 2, ']', end - at - 2);
		if (close && (size_t)(close - s) + 1 < end && close[1] == '(' && memchr(close + 2, ')', (size_t)(s + end - (close + 2)))) {
			c->reason = "multimodal_markdown_image";
			snprintf(c->detail, c->dn, "markdown image");
			return 1;
		}
	}
	return 0;
}

/* data:image/png;base64,<payload of 64+ base64 characters>, anywhere */
static int data_uri(const char *s, size_t n)
{
	const char *p = s, *e = s + n;
	while ((p = memmem(p, (size_t)(e - p), "data:", 5))) {
		const char *q = p + 5;
		if ((size_t)(e - q) > 6 && (!memcmp(q, "image/", 6) || !memcmp(q, "audio/", 6) || !memcmp(q, "video/", 6))) {
			const char *semi = memchr(q, ';', (size_t)(e - q) < 64 ? (size_t)(e - q) : 64);
			if (semi && (size_t)(e - semi) > 8 && !memcmp(semi, ";base64,", 8)) {
				const char *b = semi + 8;
				size_t k = 0;
				while (b + k < e && (isalnum((unsigned char)b[k]) || b[k] == '+' || b[k] == '/' || b[k] == '=')) k++;
				if (k >= 64) return 1;
			}
		}
		p += 5;
	}
	return 0;
}

const char *det_multimodal_text(const char *s, size_t n, char *detail, size_t dn)
{
	if (data_uri(s, n)) { snprintf(detail, dn, "base64 data URI"); return "multimodal_data_uri"; }
	struct mm_ctx c = {NULL, detail, dn};
	walk_prose(s, n, "<![", mm_at, &c);
	return c.reason;
}

static const char *const media_keys[] = {"image", "images", "audio", "video", "image_url", "video_url", "audio_url", NULL};
static const char *const media_parts[] = {"image_url", "input_image", "image", "input_audio", "audio", "video",
                                          "video_url", "file", "input_file", NULL};

/* decoded text of string node i into the context buffer */
static const char *text_of(det_ctx *c, const json_doc *d, uint32_t i, size_t *len)
{
	const json_node *nd = &d->nodes[i];
	if (!(nd->flags & JSON_F_ESCAPED)) { *len = nd->len; return d->src + nd->off; }
	jbuf_reset(&c->text);
	json_str_append(d, i, &c->text);
	*len = c->text.len;
	return c->text.p;
}

const char *det_multimodal(det_ctx *c, const json_doc *d, char *detail, size_t dn)
{
	for (int k = 0; media_keys[k]; k++)
		if (nonempty(d, json_get(d, 0, media_keys[k]))) { snprintf(detail, dn, "record member \"%s\"", media_keys[k]); return "multimodal_field"; }
	uint32_t ms = json_get(d, 0, "messages");
	if (json_type_of(d, ms) != JSON_ARRAY) return NULL;
	JSON_FOR_ELEMS(d, ms, m, i) {
		(void)i;
		if (json_type_of(d, m) != JSON_OBJECT) continue;
		for (int k = 0; media_keys[k]; k++)
			if (nonempty(d, json_get(d, m, media_keys[k]))) { snprintf(detail, dn, "message member \"%s\"", media_keys[k]); return "multimodal_field"; }
		uint32_t ct = json_get(d, m, "content");
		if (json_type_of(d, ct) == JSON_ARRAY) {
			JSON_FOR_ELEMS(d, ct, part, j) {
				(void)j;
				if (json_type_of(d, part) == JSON_STRING) {
					size_t l;
					const char *t = text_of(c, d, part, &l);
					const char *r = det_multimodal_text(t, l, detail, dn);
					if (r) return r;
					continue;
				}
				if (json_type_of(d, part) != JSON_OBJECT) continue;
				uint32_t ty = json_get(d, part, "type");
				for (int k = 0; media_parts[k]; k++) {
					if (json_type_of(d, ty) == JSON_STRING && json_str_eq(d, ty, media_parts[k], strlen(media_parts[k]))) {
						snprintf(detail, dn, "content part of type \"%s\"", media_parts[k]);
						return "multimodal_part";
					}
					if (nonempty(d, json_get(d, part, media_parts[k]))) {
						snprintf(detail, dn, "content part with \"%s\"", media_parts[k]);
						return "multimodal_part";
					}
				}
				uint32_t tx = json_get(d, part, "text");
				if (json_type_of(d, tx) == JSON_STRING) {
					size_t l;
					const char *t = text_of(c, d, tx, &l);
					const char *r = det_multimodal_text(t, l, detail, dn);
					if (r) return r;
				}
			}
		} else if (json_type_of(d, ct) == JSON_STRING) {
			size_t l;
			const char *t = text_of(c, d, ct, &l);
			const char *r = det_multimodal_text(t, l, detail, dn);
			if (r) return r;
		}
	}
	return NULL;
}

static const char *const tool_tags[] = {"<tool_call>", "<tool_response>", "<|python_tag|>", "<function=",
                                        "<|tool_call|>", "<|tool_calls_section_begin|>", "[TOOL_CALLS]",
                                        "[TOOL_RESULTS]", "<functioncall>", NULL};

struct tool_ctx { const char *reason; char *detail; size_t dn; int *act, *obs; };

static int tool_at(const char *s, size_t n, size_t at, int line_start, void *vctx)
{
	struct tool_ctx *c = vctx;
	if (s[at] == '<' || s[at] == '[') {
		for (int k = 0; tool_tags[k]; k++)
			if (starts(s, n, at, tool_tags[k])) {
				c->reason = "tool_text";
				snprintf(c->detail, c->dn, "tool-call markup %s", tool_tags[k]);
				return 1;
			}
	} else if (line_start && s[at] == 'A' && starts(s, n, at, "Action:")) {
		*c->act = 1;
	} else if (line_start && s[at] == 'O' && starts(s, n, at, "Observation:")) {
		*c->obs = 1;
	}
	return 0;
}

const char *det_tool_text(const char *s, size_t n, int *act, int *obs, char *detail, size_t dn)
{
	struct tool_ctx c = {NULL, detail, dn, act, obs};
	walk_prose(s, n, "<[AO", tool_at, &c);
	return c.reason;
}

static const char *const tool_roles[] = {"tool", "environment", "function", "ipython", NULL};
static const char *const tool_msg_keys[] = {"tool_calls", "function_call", "function_calls", "functions", "tools", "tool_call_id", NULL};
static const char *const tool_rec_keys[] = {"tools", "functions", "tool_calls", NULL};

const char *det_tool_use(det_ctx *c, const json_doc *d, char *detail, size_t dn)
{
	for (int k = 0; tool_rec_keys[k]; k++)
		if (nonempty(d, json_get(d, 0, tool_rec_keys[k]))) { snprintf(detail, dn, "record member \"%s\"", tool_rec_keys[k]); return "tool_field"; }
	uint32_t ms = json_get(d, 0, "messages");
	if (json_type_of(d, ms) != JSON_ARRAY) return NULL;
	int act = 0, obs = 0;
	JSON_FOR_ELEMS(d, ms, m, i) {
		(void)i;
		if (json_type_of(d, m) != JSON_OBJECT) continue;
		uint32_t role = json_get(d, m, "role");
		for (int k = 0; tool_roles[k]; k++)
			if (json_type_of(d, role) == JSON_STRING && json_str_eq(d, role, tool_roles[k], strlen(tool_roles[k]))) {
				snprintf(detail, dn, "message role \"%s\"", tool_roles[k]);
				return "tool_role";
			}
		for (int k = 0; tool_msg_keys[k]; k++)
			if (nonempty(d, json_get(d, m, tool_msg_keys[k]))) { snprintf(detail, dn, "message member \"%s\"", tool_msg_keys[k]); return "tool_field"; }
		uint32_t ct = json_get(d, m, "content");
		if (json_type_of(d, ct) == JSON_STRING) {
			size_t l;
			const char *t = text_of(c, d, ct, &l);
			const char *r = det_tool_text(t, l, &act, &obs, detail, dn);
			if (r) return r;
		}
	}
	if (act && obs) { snprintf(detail, dn, "ReAct trace (Action: and Observation: lines)"); return "tool_react_trace"; }
	return NULL;
}
