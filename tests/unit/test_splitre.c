/* test_splitre — the hand-written cl100k matchers (tok/splitre.h) against
 * PCRE2 running the same patterns as the loader compiles them (tok_compile_re,
 * tok_find_iter): every code point in several contexts, the shared corpus and
 * conversations, generated adversarial strings, random code points and random
 * bytes. PCRE2 10.42 is Unicode 14 and HF's Oniguruma, like utf8proc, Unicode
 * 15: the code points the two versions class differently are left out of the
 * comparison with PCRE2 and checked against HF's own pieces instead
 * (tests/fixtures/splitre/u15.jsonl, from gen.js). */
#include "t.h"
#include "json.h"
#include "tok/tok_int.h"
#include "tok/splitre.h"

#include <stdint.h>

/* the patterns exactly as Qwen2.5 / Qwen3 and Llama 3 ship them */
static const char pat_qwen[] = "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|"
			       "\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
static const char pat_llama[] = "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|"
				"\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

typedef struct spans { size_t *v, n, cap; } spans;
static void span_add(void *ctx, size_t a, size_t b)
{
	spans *s = ctx;
	if (s->n + 2 > s->cap) { s->cap = s->cap ? s->cap * 2 : 256; s->v = realloc(s->v, s->cap * sizeof *s->v); }
	s->v[s->n++] = a;
	s->v[s->n++] = b;
}

/* both kinds with their PCRE2 code */
static struct { int kind; const char *pat; pcre2_code *re; pcre2_match_data *md; } K[2] = {
	{ SPLITRE_CL100K, pat_qwen, NULL, NULL }, { SPLITRE_CL100K_N3, pat_llama, NULL, NULL } };
static spans sp_re, sp_fast;
static int reported;
/* code points PCRE2 (Unicode 14) leaves unassigned and utf8proc assigns */
static unsigned char *newer;

static void setup(void)
{
	if (K[0].re) return;
	char err[300];
	for (int k = 0; k < 2; k++) {
		K[k].re = tok_compile_re(K[k].pat, strlen(K[k].pat), err, sizeof err);
		if (!K[k].re) { fprintf(stderr, "%s\n", err); abort(); }
		K[k].md = pcre2_match_data_create_from_pattern(K[k].re, NULL);
	}
	int ec;
	PCRE2_SIZE eo;
	pcre2_code *cn = pcre2_compile((PCRE2_SPTR) "^\\p{Cn}$", PCRE2_ZERO_TERMINATED, PCRE2_UTF | PCRE2_UCP, &ec, &eo, NULL);
	pcre2_match_data *md = pcre2_match_data_create(2, NULL);
	newer = calloc(0x110000, 1);
	for (uint32_t c = 0; c < 0x110000; c++) {
		if (c >= 0xD800 && c < 0xE000) continue;
		char b[4];
		int n = utf8_encode(c, b);
		newer[c] = pcre2_match(cn, (PCRE2_SPTR)b, (size_t)n, 0, 0, md, NULL) >= 0 &&
			   utf8proc_category((utf8proc_int32_t)c) != UTF8PROC_CATEGORY_CN;
	}
	pcre2_match_data_free(md);
	pcre2_code_free(cn);
}

static void fast_spans(int kind, const char *s, size_t n, spans *o)
{
	/* a few ends a call, the count varied, so that calls resume mid-text */
	size_t ends[7], cap = 1;
	o->n = 0;
	for (size_t i = 0; i < n; cap = cap % 7 + 1) {
		size_t k = splitre_ends(kind, s, n, i, ends, cap);
		if (!k || k > cap) { span_add(o, i, (size_t)-1); return; }
		for (size_t q = 0; q < k; q++) {
			if (ends[q] <= i || ends[q] > n) { span_add(o, i, (size_t)-1); return; }   /* not a tiling: fails the comparison */
			span_add(o, i, ends[q]);
			i = ends[q];
		}
	}
}

static void show(const char *what, const char *s, size_t n)
{
	fprintf(stderr, "    %s: \"", what);
	for (size_t i = 0; i < n && i < 200; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c >= 0x20 && c < 0x7F && c != '"' && c != '\\') fputc(c, stderr);
		else fprintf(stderr, "\\x%02X", c);
	}
	fprintf(stderr, "%s\"\n", n > 200 ? "..." : "");
}

/* The matcher against PCRE2 on s[0..n), both kinds; 1 if they agree. */
static int same(const char *s, size_t n)
{
	int ok = 1;
	for (int k = 0; k < 2; k++) {
		int merr = 0;
		sp_re.n = 0;
		tok_find_iter(K[k].re, K[k].md, s, n, span_add, &sp_re, NULL, &merr);
		fast_spans(K[k].kind, s, n, &sp_fast);
		if (!merr && sp_re.n == sp_fast.n && !memcmp(sp_re.v, sp_fast.v, sp_re.n * sizeof *sp_re.v)) continue;
		ok = 0;
		if (reported++ >= 5) continue;
		show(k ? "llama3 pattern differs on" : "qwen pattern differs on", s, n);
		for (size_t j = 0; j < sp_re.n || j < sp_fast.n; j += 2)
			if (j >= sp_re.n || j >= sp_fast.n || sp_re.v[j + 1] != sp_fast.v[j + 1]) {
				fprintf(stderr, "    piece %zu: PCRE2 %zd..%zd, splitre %zd..%zd (merr %d)\n", j / 2,
					j < sp_re.n ? (ssize_t)sp_re.v[j] : -1, j < sp_re.n ? (ssize_t)sp_re.v[j + 1] : -1,
					j < sp_fast.n ? (ssize_t)sp_fast.v[j] : -1, j < sp_fast.n ? (ssize_t)sp_fast.v[j + 1] : -1, merr);
				break;
			}
	}
	return ok;
}

static uint64_t rng = 0x9E3779B97F4A7C15ull;
static uint32_t rnd(uint32_t n)
{
	rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
	return (uint32_t)(rng % n);
}

static void put(strbuf *b, uint32_t c)
{
	char u[4];
	strbuf_put(b, u, (size_t)utf8_encode(c, u));
}

static void test_kind(void)
{
	T_EQ_INT(splitre_kind(pat_qwen, strlen(pat_qwen)), SPLITRE_CL100K);
	T_EQ_INT(splitre_kind(pat_llama, strlen(pat_llama)), SPLITRE_CL100K_N3);
	/* one byte off, a prefix, the GPT-2 pattern: PCRE2's */
	char v[sizeof pat_llama];
	memcpy(v, pat_llama, sizeof v);
	v[strlen(v) - 1] = '*';
	T_EQ_INT(splitre_kind(v, strlen(v)), SPLITRE_NONE);
	T_EQ_INT(splitre_kind(pat_qwen, strlen(pat_qwen) - 1), SPLITRE_NONE);
	const char *gpt2 = "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+";
	T_EQ_INT(splitre_kind(gpt2, strlen(gpt2)), SPLITRE_NONE);
	/* the repo's fixtures (their ids against HF in test_tok) and the
	 * shared tokenizers load with the matcher */
	static const struct { const char *f; int kind; } F[] = {
		{ "tests/fixtures/tok/cl100k_iso.json", SPLITRE_CL100K }, { "tests/fixtures/tok/cl100k_merged.json", SPLITRE_CL100K_N3 },
		{ "tests/fixtures/tok/splits.json", SPLITRE_NONE } };
	for (size_t i = 0; i < sizeof F / sizeof *F; i++) {
		char e[512];
		tok *t = tok_load(F[i].f, e, sizeof e);
		T_CHECKF(t != NULL, "%s: %s", F[i].f, e);
		if (!t) continue;
		int fast = -1;
		for (int j = 0; j < t->npre; j++)
			if (t->pre[j].type == P_SPLIT && fast <= 0) fast = t->pre[j].fast;
		T_CHECKF(fast == F[i].kind, "%s: matcher %d, expected %d", F[i].f, fast, F[i].kind);
		tok_free(t);
	}
	/* the shared tokenizers load with the matcher */
	static const struct { const char *m; int kind; } M[] = {
		{ "qwen2_5", SPLITRE_CL100K }, { "qwen3", SPLITRE_CL100K }, { "llama3_1", SPLITRE_CL100K_N3 }, { "gemma", -1 } };
	char path[1024], err[512];
	snprintf(path, sizeof path, "%s/tokenizers/qwen2_5/tokenizer.json", t_shared());
	FILE *f = fopen(path, "rb");
	if (!f) T_SKIP("%s/tokenizers absent", t_shared());
	fclose(f);
	for (size_t i = 0; i < sizeof M / sizeof *M; i++) {
		snprintf(path, sizeof path, "%s/tokenizers/%s/tokenizer.json", t_shared(), M[i].m);
		tok *t = tok_load(path, err, sizeof err);
		T_CHECKF(t != NULL, "%s: %s", M[i].m, err);
		if (!t) continue;
		int fast = -1;
		for (int j = 0; j < t->npre; j++)
			if (t->pre[j].type == P_SPLIT) fast = t->pre[j].fast;
		T_CHECKF(fast == M[i].kind, "%s: matcher %d, expected %d", M[i].m, fast, M[i].kind);
		tok_free(t);
	}
}

/* Every code point (but the Unicode 15 ones) in the contexts that tell the
 * alternatives apart: after and before letters, digits, spaces, an
 * apostrophe, a newline, punctuation, and doubled. */
static void test_every_code_point(void)
{
	setup();
	strbuf b = {0};
	int bad = 0;
	for (uint32_t c = 0; c < 0x110000 && bad < 5; c++) {
		if ((c >= 0xD800 && c < 0xE000) || newer[c]) continue;
		strbuf_reset(&b);
		strbuf_puts(&b, "x"); put(&b, c); strbuf_puts(&b, "y "); put(&b, c); put(&b, c);
		strbuf_puts(&b, "! 1"); put(&b, c); strbuf_puts(&b, "2345 '"); put(&b, c);
		strbuf_puts(&b, "e '"); put(&b, c); strbuf_puts(&b, "l '"); strbuf_puts(&b, "r"); put(&b, c);
		strbuf_puts(&b, " \n"); put(&b, c); strbuf_puts(&b, "  "); put(&b, c); strbuf_puts(&b, " ("); put(&b, c);
		strbuf_puts(&b, "\r\n"); put(&b, c); strbuf_puts(&b, " "); put(&b, c); strbuf_puts(&b, "\n "); put(&b, c); put(&b, ' ');
		if (!same(b.p, b.len)) bad++;
	}
	T_EQ_INT(bad, 0);
	strbuf_free(&b);
}

/* The code points where PCRE2's tables are older: HF's own pieces. */
static void test_unicode15(void)
{
	setup();
	size_t n;
	char *d = t_read_file("tests/fixtures/splitre/u15.jsonl", &n);
	T_CHECK(d != NULL);
	if (!d) return;
	json_doc doc;
	json_doc_init(&doc);
	strbuf text = {0};
	int lines = 0, bad = 0, newer_seen = 0;
	for (char *p = d, *e; p < d + n; p = e + 1) {
		e = memchr(p, '\n', (size_t)(d + n - p));
		if (!e) e = d + n;
		if (e == p) continue;
		T_CHECK(!json_parse(&doc, p, (size_t)(e - p)));
		strbuf_reset(&text);
		json_str_append(&doc, json_get(&doc, 0, "text"), &text);
		int kind = json_str_eq(&doc, json_get(&doc, 0, "tokenizer"), "llama3_1", 8) ? SPLITRE_CL100K_N3 : SPLITRE_CL100K;
		fast_spans(kind, text.p, text.len, &sp_fast);
		uint32_t sv = json_get(&doc, 0, "spans");
		size_t j = 0;
		int ok = 1;
		JSON_FOR_ELEMS(&doc, sv, e2, k) {
			(void)k;
			int64_t a = -1, z = -1;
			json_num_i64(&doc, json_index(&doc, e2, 0), &a);
			json_num_i64(&doc, json_index(&doc, e2, 1), &z);
			if (j + 1 >= sp_fast.n || (int64_t)sp_fast.v[j] != a || (int64_t)sp_fast.v[j + 1] != z) ok = 0;
			j += 2;
		}
		if (j != sp_fast.n) ok = 0;
		if (!ok && bad++ < 3) show("HF's pieces differ on", text.p, text.len);
		uint32_t c;
		for (size_t i = 0, l; i < text.len; i += l) {
			l = (size_t)utf8_decode(text.p + i, text.len - i, &c);
			if (c < 0x110000 && newer[c]) { newer_seen++; break; }
		}
		lines++;
	}
	T_EQ_INT(bad, 0);
	T_CHECK(lines >= 70);
	T_EQ_INT(newer_seen, lines);    /* each line holds a code point PCRE2 does not know */
	json_doc_free(&doc);
	strbuf_free(&text);
	free(d);
}

static void check_jsonl(const char *path, int chat, int *lines, int *bad)
{
	FILE *f = fopen(path, "rb");
	if (!f) return;
	char *l = NULL;
	size_t cap = 0;
	ssize_t nl;
	json_doc d;
	json_doc_init(&d);
	strbuf text = {0};
	while ((nl = getline(&l, &cap, f)) > 0) {
		if (json_parse(&d, l, (size_t)nl)) continue;
		(*lines)++;
		if (!chat) {
			strbuf_reset(&text);
			json_str_append(&d, json_get(&d, 0, "text"), &text);
			if (!same(text.p ? text.p : "", text.len)) (*bad)++;
			continue;
		}
		JSON_FOR_ELEMS(&d, json_get(&d, 0, "messages"), m, k) {
			(void)k;
			strbuf_reset(&text);
			json_str_append(&d, json_get(&d, m, "content"), &text);
			if (!same(text.p ? text.p : "", text.len)) (*bad)++;
		}
	}
	free(l);
	strbuf_free(&text);
	json_doc_free(&d);
	fclose(f);
}

static void test_corpus(void)
{
	setup();
	char p1[1024], p2[1024];
	snprintf(p1, sizeof p1, "%s/tokenizers/corpus.jsonl", t_shared());
	snprintf(p2, sizeof p2, "%s/tokenizers/chat.jsonl", t_shared());
	int lines = 0, bad = 0;
	check_jsonl(p1, 0, &lines, &bad);
	check_jsonl(p2, 1, &lines, &bad);
	if (!lines) T_SKIP("%s/tokenizers absent", t_shared());
	T_EQ_INT(bad, 0);
	T_CHECK(lines > 3000);
}

/* Strings over an alphabet chosen to meet every branch: letters of many
 * scripts and cases (Lu Ll Lt Lm Lo), marks, digits (Nd, Nl, No), every
 * White_Space character and the look-alikes that are not (U+180E, U+200B,
 * U+FEFF), apostrophes and the contraction letters in both cases, the
 * characters that fold to ASCII ones (U+017F long s, U+212A Kelvin,
 * U+0130 and U+0131), controls, unassigned and private-use code points. */
static void test_adversarial(void)
{
	setup();
	static const uint32_t A[] = {
		'a', 'z', 'A', 'Z', 0xE9, 0xDF, 0x3B1, 0x416, 0x5D0, 0x627, 0x915, 0xE01, 0x4E2D, 0xD55C, 0x3042, 0x10400,
		0x1C5, 0x2B0, 0x3005, 0x17F, 0x212A, 0x130, 0x131, 0x1E9E, 0xFB05, 0x301, 0x93F, 0x20DD, 0x5BF,
		'0', '9', 0x663, 0x966, 0x216B, 0x3007, 0xBD, 0xB2, 0x2460, 0x1D7CE,
		'\t', '\n', '\v', '\f', '\r', ' ', 0x85, 0xA0, 0x1680, 0x2000, 0x2005, 0x200A, 0x2028, 0x2029, 0x202F,
		0x205F, 0x3000, 0x180E, 0x200B, 0xFEFF, 0x200D,
		'\'', '\'', '\'', 's', 'S', 't', 'T', 'r', 'R', 'e', 'E', 'v', 'V', 'm', 'M', 'l', 'L', 'd', 'D', 0x2019,
		'.', '!', '(', '/', '_', '-', '"', 0x1F600, 0, 0x1F, 0x7F, 0x378, 0xE000, 0xFFFF, 0x10FFFF,
	};
	const size_t na = sizeof A / sizeof *A;
	strbuf b = {0};
	int bad = 0;
	for (int it = 0; it < 300000 && bad < 5; it++) {
		strbuf_reset(&b);
		size_t len = 1 + rnd(it % 10 ? 12 : 60);
		for (size_t j = 0; j < len; j++) put(&b, A[rnd((uint32_t)na)]);
		if (!same(b.p, b.len)) bad++;
	}
	T_EQ_INT(bad, 0);
	strbuf_free(&b);
}

/* Random code points from the whole range (weighted to ASCII and the BMP),
 * then random bytes: valid UTF-8 compared, invalid only tiled. */
static void test_random(void)
{
	setup();
	strbuf b = {0};
	int bad = 0;
	for (int it = 0; it < 100000 && bad < 5; it++) {
		strbuf_reset(&b);
		size_t len = 1 + rnd(30);
		for (size_t j = 0; j < len; j++) {
			uint32_t r = rnd(4), c;
			do c = r == 0 ? rnd(128) : r == 1 ? rnd(0x800) : r == 2 ? rnd(0x10000) : rnd(0x110000);
			while ((c >= 0xD800 && c < 0xE000) || newer[c]);
			put(&b, c);
		}
		if (!same(b.p, b.len)) bad++;
	}
	char raw[40];
	for (int it = 0; it < 100000 && bad < 5; it++) {
		size_t len = 1 + rnd(sizeof raw);
		for (size_t j = 0; j < len; j++) raw[j] = rnd(3) ? (char)rnd(256) : "'sS \n\r\xc5\xbf"[rnd(8)];
		if (utf8_valid(raw, len)) {
			if (!same(raw, len)) bad++;
			continue;
		}
		for (int k = 0; k < 2; k++) {
			fast_spans(K[k].kind, raw, len, &sp_fast);
			if (sp_fast.v[sp_fast.n - 1] != len) { bad++; show("not a tiling", raw, len); }
		}
	}
	T_EQ_INT(bad, 0);
	strbuf_free(&b);
}

int main(void)
{
	T_RUN(test_kind);
	T_RUN(test_every_code_point);
	T_RUN(test_unicode15);
	T_RUN(test_corpus);
	T_RUN(test_adversarial);
	T_RUN(test_random);
	free(newer);
	free(sp_re.v);
	free(sp_fast.v);
	for (int k = 0; k < 2; k++) { pcre2_match_data_free(K[k].md); pcre2_code_free(K[k].re); }
	return t_done();
}
