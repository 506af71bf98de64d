/* fuzz_splitre.c — libFuzzer target for the hand-written split matchers
 * (tok/splitre.h): on valid UTF-8 their pieces must be PCRE2's for the same
 * pattern as the loader compiles it (tok_compile_re, tok_find_iter), for
 * both the Qwen (\p{N}) and the Llama 3 (\p{N}{1,3}) pattern; on any bytes
 * they must tile the input. Inputs holding a code point that Debian's PCRE2
 * (Unicode 14) leaves unassigned and utf8proc (Unicode 15, as HF) assigns
 * are only tiled: there the two are meant to differ (test_splitre checks
 * those against HF). */
#include "tok/tok_int.h"
#include "tok/splitre.h"

#include <stdlib.h>
#include <string.h>

static const char *const pats[2] = {
	"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+",
	"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+",
};
static pcre2_code *re[2], *cn;
static pcre2_match_data *md[2], *cmd;

typedef struct ends { size_t v[4096], n; int over; } ends;
static void on_match(void *ctx, size_t a, size_t b)
{
	ends *e = ctx;
	(void)a;
	if (e->n < sizeof e->v / sizeof *e->v) e->v[e->n++] = b;
	else e->over = 1;
}

static void setup(void)
{
	char err[300];
	int ec;
	PCRE2_SIZE eo;
	for (int k = 0; k < 2; k++) {
		re[k] = tok_compile_re(pats[k], strlen(pats[k]), err, sizeof err);
		if (!re[k]) abort();
		md[k] = pcre2_match_data_create_from_pattern(re[k], NULL);
		if (splitre_kind(pats[k], strlen(pats[k])) != (k ? SPLITRE_CL100K_N3 : SPLITRE_CL100K)) abort();
	}
	cn = pcre2_compile((PCRE2_SPTR) "\\p{Cn}", PCRE2_ZERO_TERMINATED, PCRE2_UTF | PCRE2_UCP, &ec, &eo, NULL);
	cmd = pcre2_match_data_create(2, NULL);
	if (!cn) abort();
}

/* a code point PCRE2 takes for unassigned that utf8proc assigns */
static int newer(const char *s, size_t n)
{
	for (size_t at = 0; at < n;) {
		if (pcre2_match(cn, (PCRE2_SPTR)s, n, at, PCRE2_NO_UTF_CHECK, cmd, NULL) < 0) return 0;
		PCRE2_SIZE *ov = pcre2_get_ovector_pointer(cmd);
		uint32_t c;
		utf8_decode(s + ov[0], n - ov[0], &c);
		if (utf8proc_category((utf8proc_int32_t)c) != UTF8PROC_CATEGORY_CN) return 1;
		at = ov[1];
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	if (!re[0]) setup();
	const char *s = (const char *)data;
	int cmp = utf8_valid(s, size) && !newer(s, size);
	static ends want, got;
	for (int k = 0; k < 2; k++) {
		int kind = k ? SPLITRE_CL100K_N3 : SPLITRE_CL100K;
		got.n = 0, got.over = 0;
		size_t ev[5], cap = 1;
		for (size_t i = 0; i < size; cap = cap % 5 + 1) {
			size_t ne = splitre_ends(kind, s, size, i, ev, cap);
			if (!ne || ne > cap) abort();
			for (size_t q = 0; q < ne; q++) {
				if (ev[q] <= i || ev[q] > size) abort();    /* not a tiling */
				on_match(&got, i, ev[q]);
				i = ev[q];
			}
		}
		if (!cmp) continue;
		int merr = 0;
		want.n = 0, want.over = 0;
		tok_find_iter(re[k], md[k], s, size, on_match, &want, NULL, &merr);
		if (merr || want.over || got.over) continue;
		if (want.n != got.n || memcmp(want.v, got.v, want.n * sizeof *want.v)) abort();
	}
	return 0;
}
