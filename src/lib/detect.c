/* detect.c — see detect.h. */
#include "detect.h"

#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

void detect_init(detect_ctx *c)
{
	memset(c, 0, sizeof *c);
	json_doc_init(&c->inner);
}

void detect_free(detect_ctx *c)
{
	strbuf_free(&c->text);
	json_doc_free(&c->inner);
}

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

/* First occurrence of lit[0..l) in s[0..n), or NULL: candidates where both the
 * first and the last byte match, 16 at a time, then memcmp (glibc's memmem
 * costs more than the whole walk on short texts). */
static const char *find_lit(const char *s, size_t n, const char *lit, size_t l)
{
	size_t i = 0;
	if (l == 0 || n < l) return NULL;
#ifdef __SSE2__
	const __m128i f = _mm_set1_epi8(lit[0]), e = _mm_set1_epi8(lit[l - 1]);
	while (i + (l - 1) + 16 <= n) {
		__m128i a = _mm_loadu_si128((const __m128i *)(s + i));
		__m128i b = _mm_loadu_si128((const __m128i *)(s + i + l - 1));
		unsigned m = (unsigned)_mm_movemask_epi8(_mm_and_si128(_mm_cmpeq_epi8(a, f), _mm_cmpeq_epi8(b, e)));
		while (m) {
			size_t k = i + (size_t)__builtin_ctz(m);
			if (!memcmp(s + k, lit, l)) return s + k;
			m &= m - 1;
		}
		i += 16;
	}
#endif
	for (; i + l <= n; i++)
		if (s[i] == lit[0] && !memcmp(s + i, lit, l)) return s + i;
	return NULL;
}

/*
 * Prefilters on a string's raw (escaped) bytes. Every text rule starts with
 * one of a few two-byte pairs ("<i", "[I", "![", "<t", "[T" ...) or with a
 * literal that holds a ':' ("data:", "Action:", "Observation:"), all ASCII
 * letters and punctuation. An escape decodes to a quote, a backslash, a
 * slash, a control character or, as backslash-u, any character; but for
 * backslash-u escapes of ASCII characters (JSON_F_UESCAPE_ASCII, which
 * send the string to be decoded) none of these is in those, so an
 * occurrence in the decoded text is one in the raw bytes: a string whose raw
 * bytes hold none of them is clean, and is neither decoded nor walked. Both
 * look 16 positions at a time, every pair at once.
 */
#ifdef __SSE2__
#define LD(p) _mm_loadu_si128((const __m128i *)(p))
#define EQ(x, c) _mm_cmpeq_epi8(x, _mm_set1_epi8(c))
#define OR(a, b) _mm_or_si128(a, b)
#define AND(a, b) _mm_and_si128(a, b)
#endif

/* what a multimodal rule can start with: '<' before one of "ivas|I" (the
 * placeholders and <img), "[I" ([IMG]), "![" (markdown images), "data:" */
static int mm_maybe(const char *s, size_t n)
{
	size_t i = 0;
#ifdef __SSE2__
	for (; i + 4 + 16 <= n; i += 16) {
		__m128i x = LD(s + i), y = LD(s + i + 1), z = LD(s + i + 4);
		__m128i after_lt = OR(OR(OR(EQ(y, 'i'), EQ(y, 'v')), OR(EQ(y, 'a'), EQ(y, 's'))), OR(EQ(y, '|'), EQ(y, 'I')));
		__m128i m = OR(OR(AND(EQ(x, '<'), after_lt), AND(EQ(x, '['), EQ(y, 'I'))),
		               OR(AND(EQ(x, '!'), EQ(y, '[')), AND(EQ(x, 'd'), EQ(z, ':'))));
		if (_mm_movemask_epi8(m)) return 1;
	}
#endif
	for (; i < n; i++) {
		char c1 = i + 1 < n ? s[i + 1] : 0;
		if ((s[i] == '<' && c1 && strchr("ivas|I", c1)) || (s[i] == '[' && c1 == 'I') || (s[i] == '!' && c1 == '[') ||
		    (s[i] == 'd' && i + 4 < n && s[i + 4] == ':'))
			return 1;
	}
	return 0;
}

/* what a tool rule can start with: '<' before one of "t|f" (<tool_call>,
 * <|python_tag|>, <function=...), "[T" ([TOOL_CALLS]), "Action:",
 * "Observation:" */
static int tool_maybe(const char *s, size_t n)
{
	size_t i = 0;
#ifdef __SSE2__
	for (; i + 11 + 16 <= n; i += 16) {
		__m128i x = LD(s + i), y = LD(s + i + 1), a6 = LD(s + i + 6), o11 = LD(s + i + 11);
		__m128i m = OR(OR(AND(EQ(x, '<'), OR(OR(EQ(y, 't'), EQ(y, '|')), EQ(y, 'f'))), AND(EQ(x, '['), EQ(y, 'T'))),
		               OR(AND(EQ(x, 'A'), EQ(a6, ':')), AND(EQ(x, 'O'), EQ(o11, ':'))));
		if (_mm_movemask_epi8(m)) return 1;
	}
#endif
	for (; i < n; i++) {
		char c1 = i + 1 < n ? s[i + 1] : 0;
		if ((s[i] == '<' && c1 && strchr("t|f", c1)) || (s[i] == '[' && c1 == 'T') ||
		    (s[i] == 'A' && i + 6 < n && s[i + 6] == ':') || (s[i] == 'O' && i + 11 < n && s[i + 11] == ':'))
			return 1;
	}
	return 0;
}

#ifdef __SSE2__
#undef LD
#undef EQ
#undef OR
#undef AND
#endif

/*
 * Prose walker: calls fn at every trigger character of s that stands outside
 * code. Fences: a line whose first characters other than spaces and tabs are
 * ``` or ~~~ opens a block that a line starting (after blanks) with a run of
 * the same character, at least as long, closes; an unclosed fence runs to the
 * end. (CommonMark allows 3 spaces before a fence; models indent fences in
 * list items by 4 and more, and those are code too.)
 * Inline code: a run of N backticks up to the next run of exactly N before the
 * paragraph ends (a blank line); the search is bounded (64 KiB) so hostile
 * input stays linear.
 */
typedef int (*prose_fn)(const char *s, size_t n, size_t at, int line_start, void *ctx);

#define SPAN_SEARCH_MAX (64u * 1024)

/*
 * The fast walker also reads a string's raw JSON bytes, undecoded (esc set):
 * there a backslash and the byte after it are one character, "\n" is a
 * newline, "\t" a tab, and any other escape ("\"", "\\", "\r", ...) an
 * ordinary character; the rules that read a slash ("<img/", data URIs) take
 * "\/" for one. A backslash-u escape of a non-ASCII character (Python's
 * json.dumps writes every one so) is one ordinary character too; strings
 * with one of an ASCII character (\u003c for '<', as Go writes it) are
 * decoded first, as it could be anything a rule reads. With esc clear a
 * backslash is an ordinary character.
 * Offsets stay raw; the 64 KiB bound of an inline span counts the bytes
 * the characters decode to, as the decoded walk does.
 */

/* index of the newline that ends the line holding i (n if none) */
static size_t line_stop(const char *s, size_t n, size_t i, int esc)
{
	if (!esc) {
		const char *nl = memchr(s + i, '\n', n - i);
		return nl ? (size_t)(nl - s) : n;
	}
	/* i is outside an escape: a backslash before "\n" pairs with it when
	 * an even run of backslashes (counted back to i) precedes it */
	for (;;) {
		const char *b = find_lit(s + i, n - i, "\\n", 2);
		if (!b) return n;
		size_t k = (size_t)(b - s), r = 0;
		while (k - r > i && s[k - r - 1] == '\\') r++;
		if (r % 2 == 0) return k;
		i = k + 1;
	}
}

/* index just past that newline (n if none) */
static size_t line_end(const char *s, size_t n, size_t i, int esc)
{
	size_t e = line_stop(s, n, i, esc);
	return e < n ? e + (esc ? 2 : 1) : n;
}

/* 1 when a newline starts at s[i] */
static inline int newline_at(const char *s, size_t n, size_t i, int esc)
{
	if (!esc) return s[i] == '\n';
	return s[i] == '\\' && i + 1 < n && s[i + 1] == 'n';
}

/* index past the spaces and tabs from i */
static inline size_t skip_blanks(const char *s, size_t n, size_t i, int esc)
{
	for (;;) {
		if (i < n && (s[i] == ' ' || (!esc && s[i] == '\t'))) i++;
		else if (esc && i + 1 < n && s[i] == '\\' && s[i + 1] == 't') i += 2;
		else return i;
	}
}

/* At a backslash-u escape s[q] of raw JSON (validated by the parser):
 * *w raw bytes, and the number of bytes it decodes to (a surrogate pair is
 * one 4-byte character), which is what the decoded walk counts. */
static size_t uescape_width(const char *s, size_t n, size_t q, size_t *w)
{
	unsigned u = 0;
	for (int k = 2; k < 6 && q + (size_t)k < n; k++) {
		unsigned c = (unsigned char)s[q + (size_t)k];
		u = u << 4 | (c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10);
	}
	*w = 6;
	if (u >= 0xD800 && u <= 0xDBFF && q + 12 <= n) { *w = 12; return 4; }
	return u < 0x80 ? 1 : u < 0x800 ? 2 : 3;
}

/* One character of s at q: advances q, returns the bytes it decodes to. */
static inline size_t next_char(const char *s, size_t n, size_t *q, int esc)
{
	if (esc && s[*q] == '\\' && *q + 1 < n) {
		if (s[*q + 1] == 'u') {
			size_t w, b = uescape_width(s, n, *q, &w);
			*q += w;
			return b;
		}
		*q += 2;
		return 1;
	}
	(*q)++;
	return 1;
}

static size_t close_inline(const char *s, size_t n, size_t from, size_t r, int esc)
{
	size_t q = from, chars = 0;
	while (q < n && chars < SPAN_SEARCH_MAX) {
		char c = s[q];
		if (c == '`') {
			size_t r2 = 0;
			while (q + r2 < n && s[q + r2] == '`') r2++;
			if (r2 == r) return q + r2;
			q += r2;
			chars += r2;
		} else if (newline_at(s, n, q, esc)) {
			size_t w = esc ? 2 : 1;
			if (q + w < n && newline_at(s, n, q + w, esc)) return 0;   /* paragraph ended */
			q += w;
			chars++;
		} else {
			chars += next_char(s, n, &q, esc);
		}
	}
	return 0;
}

/* Skip a fenced block whose opening fence (run of `run` characters ch) starts
 * at k; returns the index just past the closing fence's line (n if none). */
static size_t skip_fence(const char *s, size_t n, size_t k, char ch, size_t run, int esc)
{
	size_t p = line_end(s, n, k, esc);
	while (p < n) {
		size_t q = skip_blanks(s, n, p, esc), r2 = 0;
		while (q + r2 < n && s[q + r2] == ch) r2++;
		p = line_end(s, n, p, esc);
		if (r2 >= run) break;
	}
	return p;
}

/*
 * The walk, byte by byte: the definition the fast walker below must agree
 * with (detect_reference_walker() switches to it; the tests compare the two).
 * fn is called at every byte of triggers outside code, with line_start set
 * when nothing but spaces and tabs precede it on its line.
 */
static int walk_prose_simple(const char *s, size_t n, const char *triggers, prose_fn fn, void *ctx)
{
	size_t i = 0;
	int line_start = 1;
	while (i < n) {
		char c = s[i];
		if (line_start && (c == '`' || c == '~')) {
			size_t run = 0;
			while (i + run < n && s[i + run] == c) run++;
			if (run >= 3) { i = skip_fence(s, n, i, c, run, 0); continue; }
		}
		if (c == '\n') { line_start = 1; i++; continue; }
		if (c == '`') {
			size_t r = 0;
			while (i + r < n && s[i + r] == '`') r++;
			size_t close = close_inline(s, n, i + r, r, 0);
			i = close ? close : i + r;
			line_start = 0;
			continue;
		}
		if (c && strchr(triggers, c)) {
			int rc = fn(s, n, i, line_start, ctx);
			if (rc) return rc;
		}
		if (c != ' ' && c != '\t') line_start = 0;
		i++;
	}
	return 0;
}

static inline int is_mark(char c) { return c == '<' || c == '[' || c == '`' || c == '\n' || c == '\\'; }

/* Bit k set when s[i + k] (k < 64, i + 64 <= n) is a mark: '<', '[', '`',
 * '\n' or a backslash. */
static inline uint64_t marks64(const char *s, size_t i)
{
#ifdef __SSE2__
	const __m128i lt = _mm_set1_epi8('<'), br = _mm_set1_epi8('['), bt = _mm_set1_epi8('`'), nl = _mm_set1_epi8('\n'),
	              bs = _mm_set1_epi8('\\');
	uint64_t m = 0;
	for (int k = 0; k < 4; k++) {
		__m128i x = _mm_loadu_si128((const __m128i *)(s + i + 16 * k));
		__m128i e = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(x, lt), _mm_cmpeq_epi8(x, br)),
		                         _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(x, bt), _mm_cmpeq_epi8(x, nl)),
		                                      _mm_cmpeq_epi8(x, bs)));
		m |= (uint64_t)(unsigned)_mm_movemask_epi8(e) << (16 * k);
	}
	return m;
#else
	uint64_t m = 0;
	for (int k = 0; k < 64; k++)
		if (is_mark(s[i + k])) m |= (uint64_t)1 << k;
	return m;
#endif
}

/* Index of the next mark at or after i, n when none. */
static size_t next_mark(const char *s, size_t n, size_t i)
{
	while (i + 64 <= n) {
		uint64_t m = marks64(s, i);
		if (m) return i + (size_t)__builtin_ctzll(m);
		i += 64;
	}
	for (; i < n; i++)
		if (is_mark(s[i])) return i;
	return n;
}

/*
 * The walker the rules run on: the same prose as walk_prose_simple, found 64
 * bytes at a time. fn is called at every '<' and '[' outside code and, when
 * heads is set, at the first character of each line that is not a space or a
 * tab (line_start 1), which is where "Action:" and "Observation:" count.
 * A "!" before a '[' is reported too ("!["): the two are adjacent, so no code
 * delimiter stands between them and both are prose.
 */
static int walk_prose_fast(const char *s, size_t n, int esc, int heads, prose_fn fn, void *ctx)
{
	size_t i = 0, head;
	for (;;) {
		/* i is the start of a line */
		size_t k = skip_blanks(s, n, i, esc);
		if (k < n && (s[k] == '`' || s[k] == '~')) {
			size_t run = 0;
			while (k + run < n && s[k + run] == s[k]) run++;
			if (run >= 3) {
				i = skip_fence(s, n, k, s[k], run, esc);
				if (i >= n) return 0;
				continue;
			}
		}
		head = k;
		if (heads && k < n && !is_mark(s[k])) {
			int rc = fn(s, n, k, 1, ctx);
			if (rc) return rc;
		}
		i = k;
		/* the rest of the line, and of the lines inline code spans join */
		for (;;) {
			i = next_mark(s, n, i);
			if (i >= n) return 0;
			char c = s[i];
			if (c == '\\') {
				if (!esc || i + 1 >= n) { i++; continue; }
				i += 2;
				if (s[i - 1] == 'n') break;
				continue;
			}
			if (c == '\n') { i++; break; }
			if (c == '`') {
				size_t r = 0;
				while (i + r < n && s[i + r] == '`') r++;
				size_t close = close_inline(s, n, i + r, r, esc);
				i = close ? close : i + r;
				continue;
			}
			int rc;
			if (c == '[' && i > 0 && s[i - 1] == '!' && (rc = fn(s, n, i - 1, i - 1 == head, ctx))) return rc;
			if ((rc = fn(s, n, i, i == head, ctx))) return rc;
			i++;
		}
		if (i >= n) return 0;
	}
}

/*
 * Whether the walk can find anything: fn called at every '<', '[' and '!' of
 * s, in code or not (with line_start 0), until one matches. The walk calls
 * fn at some of these positions only (those in prose), so when none matches
 * it would find nothing, and is not run. Code and markdown are full of '<'
 * and '[', but seldom of what a rule looks for after one, so most strings
 * are settled here, without following their fences and lines. fn's ctx is
 * a scratch copy: only the walk's outcome counts.
 */
static int any_trigger(const char *s, size_t n, prose_fn fn, void *ctx)
{
	size_t i = 0;
#ifdef __SSE2__
	const __m128i lt = _mm_set1_epi8('<'), br = _mm_set1_epi8('['), ex = _mm_set1_epi8('!');
	for (; i + 16 <= n; i += 16) {
		__m128i x = _mm_loadu_si128((const __m128i *)(s + i));
		unsigned m = (unsigned)_mm_movemask_epi8(
			_mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(x, lt), _mm_cmpeq_epi8(x, br)), _mm_cmpeq_epi8(x, ex)));
		for (; m; m &= m - 1)
			if (fn(s, n, i + (size_t)__builtin_ctz(m), 0, ctx)) return 1;
	}
#endif
	for (; i < n; i++)
		if ((s[i] == '<' || s[i] == '[' || s[i] == '!') && fn(s, n, i, 0, ctx)) return 1;
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

struct mm_ctx { const char *reason; char *detail; size_t dn; int esc; };

static int mm_at(const char *s, size_t n, size_t at, int line_start, void *vctx)
{
	struct mm_ctx *c = vctx;
	(void)line_start;
	/* code and markdown put '<' and '[' everywhere: every rule below needs
	 * one of these bytes next ("<image", "<|", "<video", "<audio", "<start",
	 * "<img", "<IMG", "[IMG]", "![") */
	char c1 = at + 1 < n ? s[at + 1] : 0;
	switch (s[at]) {
	case '<': if (!c1 || !strchr("ivas|I", c1)) return 0; break;
	case '[': if (c1 != 'I') return 0; break;
	case '!': if (c1 != '[') return 0; break;
	}
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
		    (s[at + 4] == ' ' || s[at + 4] == '/' || s[at + 4] == '>' ||
		     (c->esc && at + 5 < n && s[at + 4] == '\\' && s[at + 5] == '/') ||
		     (!c->esc && (s[at + 4] == '\t' || s[at + 4] == '\n')) ||
		     (c->esc && at + 5 < n && s[at + 4] == '\\' && (s[at + 5] == 't' || s[at + 5] == 'n')))) {
			/* an HTML image tag with a source */
			const char *gt = memchr(s + at, '>', n - at);
			size_t end = gt ? (size_t)(gt - s) : n;
			int has_src = 0;   /* HTML attribute names are case-insensitive */
			for (size_t q = at + 4; q + 3 <= end && !has_src; q++) has_src = !strncasecmp(s + q, "src", 3);
			if (has_src) {
				c->reason = "multimodal_html_img";
				snprintf(c->detail, c->dn, "HTML <img> tag");
				return 1;
			}
		}
	} else if (s[at] == '!' && at + 1 < n && s[at + 1] == '[') {
		/* ![alt](target) on one line */
		size_t end = line_stop(s, n, at, c->esc);
		const char *close = memchr(s + at + 2, ']', end - at - 2);
		if (close && (size_t)(close - s) + 1 < end && close[1] == '(' && memchr(close + 2, ')', (size_t)(s + end - (close + 2)))) {
			c->reason = "multimodal_markdown_image";
			snprintf(c->detail, c->dn, "markdown image");
			return 1;
		}
	}
	return 0;
}

/* 1 when raw JSON byte s[at] is one of the four hex digits of a backslash-u
 * escape: its 'd' and 'a' are hex digits, so "\\u00da" + "ta:" holds a raw
 * "data:" that the decoded text ("Úta:") does not */
static int in_uescape(const char *s, size_t at)
{
	for (size_t k = 2; k <= 5 && k <= at; k++) {
		size_t q = at - k;
		if (s[q] != '\\' || s[q + 1] != 'u') continue;
		size_t r = 1;   /* the backslash escapes when an odd run ends at it */
		while (r <= q && s[q - r] == '\\') r++;
		if (r % 2) return 1;
	}
	return 0;
}

/* data:image/png;base64,<payload of 64+ base64 characters>, anywhere */
static int data_uri(const char *s, size_t n, int esc)
{
	const char *p = s, *e = s + n;
	while ((p = find_lit(p, (size_t)(e - p), "data:", 5))) {
		const char *q = p + 5, *t;
		p += 5;
		if (esc && in_uescape(s, (size_t)(q - 5 - s))) continue;
		if (e - q < 7 || (memcmp(q, "image", 5) && memcmp(q, "audio", 5) && memcmp(q, "video", 5))) continue;
		/* the slash may be escaped in raw JSON, as in the payload */
		if (q[5] == '/') t = q + 6;
		else if (esc && q[5] == '\\' && q[6] == '/') t = q + 7;
		else continue;
		/* the first ';' within 64 characters of the type */
		size_t chars = 6;
		while (t < e && chars < 64 && *t != ';') {
			size_t q = (size_t)(t - s);
			chars += next_char(s, n, &q, esc);
			t = s + q;
		}
		if (chars >= 64 || e - t < 8 || memcmp(t, ";base64,", 8)) continue;
		size_t k = 0;
		for (const char *b = t + 8; b < e; k++) {
			if (isalnum((unsigned char)*b) || *b == '+' || *b == '/' || *b == '=') b++;
			else if (esc && *b == '\\' && b + 1 < e && b[1] == '/') b += 2;
			else break;
		}
		if (k >= 64) return 1;
	}
	return 0;
}

static int use_reference_walker;

void detect_reference_walker(int on) { use_reference_walker = on; }

/* the multimodal text rules on s, raw JSON bytes when esc is set */
static const char *mm_text(const char *s, size_t n, int esc, char *detail, size_t dn)
{
	if (data_uri(s, n, esc)) { snprintf(detail, dn, "base64 data URI"); return "multimodal_data_uri"; }
	struct mm_ctx c = {NULL, detail, dn, esc};
	if (use_reference_walker) {
		walk_prose_simple(s, n, "<![", mm_at, &c);
	} else {
		char tmp[80];
		struct mm_ctx scratch = {NULL, tmp, sizeof tmp, esc};
		if (any_trigger(s, n, mm_at, &scratch)) walk_prose_fast(s, n, esc, 0, mm_at, &c);
	}
	return c.reason;
}

const char *detect_multimodal_text(const char *s, size_t n, char *detail, size_t dn)
{
	return mm_text(s, n, 0, detail, dn);
}

/* Member names, looked up in one pass per object (json_get_keys). The media
 * members come first; the last entry is the member the walk goes on with. */
#define N_MEDIA_KEYS 7
static const json_key rec_mm_keys[] = {JSON_KEY("image"), JSON_KEY("images"), JSON_KEY("audio"), JSON_KEY("video"),
                                       JSON_KEY("image_url"), JSON_KEY("video_url"), JSON_KEY("audio_url"),
                                       JSON_KEY("messages")};
static const json_key msg_mm_keys[] = {JSON_KEY("image"), JSON_KEY("images"), JSON_KEY("audio"), JSON_KEY("video"),
                                       JSON_KEY("image_url"), JSON_KEY("video_url"), JSON_KEY("audio_url"),
                                       JSON_KEY("content")};
#define N_MEDIA_PARTS 9
static const json_key part_keys[] = {JSON_KEY("image_url"), JSON_KEY("input_image"), JSON_KEY("image"),
                                     JSON_KEY("input_audio"), JSON_KEY("audio"), JSON_KEY("video"),
                                     JSON_KEY("video_url"), JSON_KEY("file"), JSON_KEY("input_file"),
                                     JSON_KEY("type"), JSON_KEY("text")};

/* The text of string node i as the rules read it: its raw bytes when they
 * need no decoding (esc 0) or can be walked undecoded (esc 1, see above),
 * else decoded into the context buffer. */
static const char *text_for_rules(detect_ctx *c, const json_doc *d, uint32_t i, size_t *len, int *esc)
{
	const json_node *nd = &d->nodes[i];
	const char *raw = d->src + nd->off;
	*len = nd->len;
	*esc = 0;
	if (!(nd->flags & JSON_F_ESCAPED)) return raw;
	if (!(nd->flags & JSON_F_UESCAPE_ASCII) && !use_reference_walker) {
		*esc = 1;
		return raw;
	}
	strbuf_reset(&c->text);
	json_str_append(d, i, &c->text);
	*len = c->text.len;
	return c->text.p;
}

/* "Action:" or "Observation:" anywhere in s, both looked for in one pass */
static int has_react_lit(const char *s, size_t n)
{
	size_t i = 0;
#ifdef __SSE2__
	const __m128i a = _mm_set1_epi8('A'), o = _mm_set1_epi8('O'), co = _mm_set1_epi8(':');
	for (; i + 11 + 16 <= n; i += 16) {
		__m128i x = _mm_loadu_si128((const __m128i *)(s + i));
		__m128i x6 = _mm_loadu_si128((const __m128i *)(s + i + 6));
		__m128i x11 = _mm_loadu_si128((const __m128i *)(s + i + 11));
		unsigned m = (unsigned)_mm_movemask_epi8(_mm_or_si128(_mm_and_si128(_mm_cmpeq_epi8(x, a), _mm_cmpeq_epi8(x6, co)),
		                                                      _mm_and_si128(_mm_cmpeq_epi8(x, o), _mm_cmpeq_epi8(x11, co))));
		for (; m; m &= m - 1) {
			size_t k = i + (size_t)__builtin_ctz(m);
			if (!memcmp(s + k, "Action:", 7) || !memcmp(s + k, "Observation:", 12)) return 1;
		}
	}
#endif
	for (; i < n; i++)
		if ((s[i] == 'A' && i + 7 <= n && !memcmp(s + i, "Action:", 7)) ||
		    (s[i] == 'O' && i + 12 <= n && !memcmp(s + i, "Observation:", 12)))
			return 1;
	return 0;
}

/* 1 when string node i may hold something the text rules look for: its
 * raw bytes pass the prefilter, or a backslash-u escape stands for an ASCII
 * character (one for a non-ASCII one cannot make or break a rule's ASCII) */
static int may_match(const json_doc *d, uint32_t i, int (*maybe)(const char *, size_t))
{
	const json_node *nd = &d->nodes[i];
	return (nd->flags & JSON_F_UESCAPE_ASCII) || maybe(d->src + nd->off, nd->len);
}

/* The media rules of one content part (an object): a type of the media
 * list or (unless type_only) a non-empty media member. *text is its "text"
 * member. what names the part in the detail. */
static const char *mm_part(const json_doc *d, uint32_t part, uint32_t *text, int type_only, const char *what,
                           char *detail, size_t dn)
{
	uint32_t v[N_MEDIA_PARTS + 2];
	json_get_keys(d, part, part_keys, N_MEDIA_PARTS + 2, v);
	uint32_t ty = v[N_MEDIA_PARTS];
	*text = v[N_MEDIA_PARTS + 1];
	for (int k = 0; k < N_MEDIA_PARTS; k++) {
		if (json_type_of(d, ty) == JSON_STRING && json_str_eq(d, ty, part_keys[k].name, part_keys[k].len)) {
			snprintf(detail, dn, "%s of type \"%s\"", what, part_keys[k].name);
			return "multimodal_part";
		}
		if (!type_only && nonempty(d, v[k])) {
			snprintf(detail, dn, "%s with \"%s\"", what, part_keys[k].name);
			return "multimodal_part";
		}
	}
	return NULL;
}

/*
 * A content list serialised into a string (some datasets store the OpenAI
 * list as a text column). The line between a list that is the content and
 * one shown as an example: the whole string, leading and trailing
 * whitespace aside, must be the list. It must start with '[' or '{' and end
 * with ']' or '}'; a fence, or JSON with prose before or after it, is an
 * example and is kept. The text must then parse as JSON into content parts
 * (objects with a string "type"), one of them a media part (mm_part), or a
 * messages list whose contents are such lists; a lone object counts when its
 * type is a media type. Text that fails to parse is Python's repr of the
 * list (single quotes, None) when it holds a 'type': 'image_url' pair with a
 * media type.
 */
#define SERIAL_MAX_DEPTH 3

static const char *serial_value(const json_doc *d, uint32_t v, int depth, char *detail, size_t dn)
{
	static const char what[] = "serialised content part";
	uint32_t tx;
	if (json_type_of(d, v) == JSON_OBJECT) {
		uint32_t ty = json_get(d, v, "type"), ct = json_get(d, v, "content");
		if (json_type_of(d, ty) == JSON_STRING) {
			/* a lone part is media by its type only; in a list any part's media member counts */
			return mm_part(d, v, &tx, depth == 0, what, detail, dn);
		} else if (depth < SERIAL_MAX_DEPTH && json_type_of(d, ct) == JSON_ARRAY) {
			return serial_value(d, ct, depth + 1, detail, dn);   /* a message */
		}
		return NULL;
	}
	if (json_type_of(d, v) != JSON_ARRAY || depth >= SERIAL_MAX_DEPTH) return NULL;
	JSON_FOR_ELEMS(d, v, e, i) {
		(void)i;
		const char *r = serial_value(d, e, depth + 1, detail, dn);
		if (r) return r;
	}
	return NULL;
}

/* 'type': 'image_url' (or "type": "image_url", any spacing) with a media type */
static const char *serial_repr(const char *s, size_t n, char *detail, size_t dn)
{
	for (const char *p = s, *e = s + n; (p = find_lit(p, (size_t)(e - p), "type", 4)); p += 4) {
		if (p == s || (p[-1] != '\'' && p[-1] != '"') || p + 5 > e || p[4] != p[-1]) continue;
		const char *q = p + 5;
		while (q < e && *q == ' ') q++;
		if (q >= e || *q++ != ':') continue;
		while (q < e && *q == ' ') q++;
		if (q >= e || (*q != '\'' && *q != '"')) continue;
		char quote = *q++;
		for (int k = 0; k < N_MEDIA_PARTS; k++) {
			size_t l = part_keys[k].len;
			if ((size_t)(e - q) > l && !memcmp(q, part_keys[k].name, l) && q[l] == quote) {
				snprintf(detail, dn, "serialised content list (a Python literal) with a part of type \"%s\"", part_keys[k].name);
				return "multimodal_part";
			}
		}
	}
	return NULL;
}

static int json_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

static const char *mm_serialised(detect_ctx *c, const json_doc *d, uint32_t i, char *detail, size_t dn)
{
	const json_node *nd = &d->nodes[i];
	const char *raw = d->src + nd->off;
	size_t n = nd->len, k = 0;
	if (!(nd->flags & JSON_F_UESCAPE_ASCII)) {
		/* most strings are settled by their first character: a raw space,
		 * or \n, \t, \r written as escapes, then '[' or '{' */
		for (;;) {
			if (k < n && raw[k] == ' ') k++;
			else if (k + 1 < n && raw[k] == '\\' && (raw[k + 1] == 'n' || raw[k + 1] == 't' || raw[k + 1] == 'r')) k += 2;
			else break;
		}
		if (k >= n || (raw[k] != '[' && raw[k] != '{')) return NULL;
	}
	strbuf_reset(&c->text);
	json_str_append(d, i, &c->text);
	const char *s = c->text.p;
	size_t l = c->text.len;
	while (l && json_space(*s)) s++, l--;
	while (l && json_space(s[l - 1])) l--;
	if (l < 2 || (s[0] != '[' && s[0] != '{') || (s[l - 1] != ']' && s[l - 1] != '}')) return NULL;
	if (json_parse(&c->inner, s, l) == 0) return serial_value(&c->inner, 0, 0, detail, dn);
	return serial_repr(s, l, detail, dn);
}

static const char *mm_string(detect_ctx *c, const json_doc *d, uint32_t i, char *detail, size_t dn)
{
	const char *r = mm_serialised(c, d, i, detail, dn);
	if (r) return r;
	if (!may_match(d, i, mm_maybe)) return NULL;
	size_t l;
	int esc;
	const char *t = text_for_rules(c, d, i, &l, &esc);
	return mm_text(t, l, esc, detail, dn);
}

const char *detect_multimodal(detect_ctx *c, const json_doc *d, char *detail, size_t dn)
{
	uint32_t v[N_MEDIA_PARTS + 2];
	json_get_keys(d, 0, rec_mm_keys, N_MEDIA_KEYS + 1, v);
	for (int k = 0; k < N_MEDIA_KEYS; k++)
		if (nonempty(d, v[k])) { snprintf(detail, dn, "record member \"%s\"", rec_mm_keys[k].name); return "multimodal_field"; }
	uint32_t ms = v[N_MEDIA_KEYS];
	if (json_type_of(d, ms) != JSON_ARRAY) return NULL;
	JSON_FOR_ELEMS(d, ms, m, i) {
		(void)i;
		if (json_type_of(d, m) != JSON_OBJECT) continue;
		json_get_keys(d, m, msg_mm_keys, N_MEDIA_KEYS + 1, v);
		for (int k = 0; k < N_MEDIA_KEYS; k++)
			if (nonempty(d, v[k])) { snprintf(detail, dn, "message member \"%s\"", msg_mm_keys[k].name); return "multimodal_field"; }
		uint32_t ct = v[N_MEDIA_KEYS];
		if (json_type_of(d, ct) == JSON_ARRAY) {
			JSON_FOR_ELEMS(d, ct, part, j) {
				(void)j;
				if (json_type_of(d, part) == JSON_STRING) {
					const char *r = mm_string(c, d, part, detail, dn);
					if (r) return r;
					continue;
				}
				if (json_type_of(d, part) != JSON_OBJECT) continue;
				uint32_t tx;
				const char *r = mm_part(d, part, &tx, 0, "content part", detail, dn);
				if (r) return r;
				if (json_type_of(d, tx) == JSON_STRING) {
					const char *r = mm_string(c, d, tx, detail, dn);
					if (r) return r;
				}
			}
		} else if (json_type_of(d, ct) == JSON_STRING) {
			const char *r = mm_string(c, d, ct, detail, dn);
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
		/* every tag starts "<t", "<|", "<f" or "[T" */
		char c1 = at + 1 < n ? s[at + 1] : 0;
		if (s[at] == '<' ? !c1 || !strchr("t|f", c1) : c1 != 'T') return 0;
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

/* the tool text rules on s, raw JSON bytes when esc is set */
static const char *tool_text(const char *s, size_t n, int esc, int *act, int *obs, char *detail, size_t dn)
{
	struct tool_ctx c = {NULL, detail, dn, act, obs};
	if (use_reference_walker) {
		walk_prose_simple(s, n, "<[AO", tool_at, &c);
	} else {
		/* Action: and Observation: count at the start of a prose line
		 * only, which the walk finds; without either literal only the
		 * tags can match */
		char tmp[80];
		int a = 0, o = 0;
		struct tool_ctx scratch = {NULL, tmp, sizeof tmp, &a, &o};
		if (has_react_lit(s, n) || any_trigger(s, n, tool_at, &scratch))
			walk_prose_fast(s, n, esc, 1, tool_at, &c);
	}
	return c.reason;
}

const char *detect_tool_text(const char *s, size_t n, int *act, int *obs, char *detail, size_t dn)
{
	return tool_text(s, n, 0, act, obs, detail, dn);
}

static const char *const tool_roles[] = {"tool", "environment", "function", "ipython", NULL};
#define N_TOOL_REC_KEYS 3
static const json_key rec_tool_keys[] = {JSON_KEY("tools"), JSON_KEY("functions"), JSON_KEY("tool_calls"),
                                         JSON_KEY("messages")};
#define N_TOOL_MSG_KEYS 6
static const json_key msg_tool_keys[] = {JSON_KEY("tool_calls"), JSON_KEY("function_call"), JSON_KEY("function_calls"),
                                         JSON_KEY("functions"), JSON_KEY("tools"), JSON_KEY("tool_call_id"),
                                         JSON_KEY("role"), JSON_KEY("content")};
/* content parts that are tool traffic (Anthropic's blocks, OpenAI's Responses items) */
static const char *const tool_part_types[] = {"tool_use", "tool_result", "function_call", "function_call_output", NULL};
static const json_key tool_part_keys[] = {JSON_KEY("type"), JSON_KEY("text")};

/* the tool text rules on string node i (when its raw bytes can match) */
static const char *tool_string(detect_ctx *c, const json_doc *d, uint32_t i, int *act, int *obs, char *detail, size_t dn)
{
	if (!may_match(d, i, tool_maybe)) return NULL;
	size_t l;
	int esc;
	const char *t = text_for_rules(c, d, i, &l, &esc);
	return tool_text(t, l, esc, act, obs, detail, dn);
}

const char *detect_tool_use(detect_ctx *c, const json_doc *d, char *detail, size_t dn)
{
	uint32_t v[N_TOOL_MSG_KEYS + 2];
	json_get_keys(d, 0, rec_tool_keys, N_TOOL_REC_KEYS + 1, v);
	for (int k = 0; k < N_TOOL_REC_KEYS; k++)
		if (nonempty(d, v[k])) { snprintf(detail, dn, "record member \"%s\"", rec_tool_keys[k].name); return "tool_field"; }
	uint32_t ms = v[N_TOOL_REC_KEYS];
	if (json_type_of(d, ms) != JSON_ARRAY) return NULL;
	int act = 0, obs = 0;
	JSON_FOR_ELEMS(d, ms, m, i) {
		(void)i;
		if (json_type_of(d, m) != JSON_OBJECT) continue;
		json_get_keys(d, m, msg_tool_keys, N_TOOL_MSG_KEYS + 2, v);
		uint32_t role = v[N_TOOL_MSG_KEYS], ct = v[N_TOOL_MSG_KEYS + 1];
		for (int k = 0; tool_roles[k]; k++)
			if (json_type_of(d, role) == JSON_STRING && json_str_eq(d, role, tool_roles[k], strlen(tool_roles[k]))) {
				snprintf(detail, dn, "message role \"%s\"", tool_roles[k]);
				return "tool_role";
			}
		for (int k = 0; k < N_TOOL_MSG_KEYS; k++)
			if (nonempty(d, v[k])) { snprintf(detail, dn, "message member \"%s\"", msg_tool_keys[k].name); return "tool_field"; }
		if (json_type_of(d, ct) == JSON_STRING) {
			const char *r = tool_string(c, d, ct, &act, &obs, detail, dn);
			if (r) return r;
		} else if (json_type_of(d, ct) == JSON_ARRAY) {
			JSON_FOR_ELEMS(d, ct, part, j) {
				(void)j;
				uint32_t tx = part;
				if (json_type_of(d, part) == JSON_OBJECT) {
					uint32_t pv[2];
					json_get_keys(d, part, tool_part_keys, 2, pv);
					for (int k = 0; tool_part_types[k]; k++)
						if (json_type_of(d, pv[0]) == JSON_STRING &&
						    json_str_eq(d, pv[0], tool_part_types[k], strlen(tool_part_types[k]))) {
							snprintf(detail, dn, "content part of type \"%s\"", tool_part_types[k]);
							return "tool_part";
						}
					tx = pv[1];
				}
				if (json_type_of(d, tx) == JSON_STRING) {
					const char *r = tool_string(c, d, tx, &act, &obs, detail, dn);
					if (r) return r;
				}
			}
		}
	}
	if (act && obs) { snprintf(detail, dn, "ReAct trace (Action: and Observation: lines)"); return "tool_react_trace"; }
	return NULL;
}
