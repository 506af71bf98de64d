/* test_dedup — normalization, exact keys, MinHash estimates against true
 * Jaccard, the LSH candidate curve, union-find. */
#include "t.h"
#include "dedup.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void test_fold(void)
{
	strbuf b = {0};
	dedup_fold("  Hello\t\tWORLD \n x  ", 20, &b);
	T_EQ_STR(b.p, "hello world x");
	strbuf_free(&b);
}

/* the plain definition dedup_fold's 16-byte paths must agree with */
static void ref_fold(const char *s, size_t n, strbuf *out)
{
	int space = 1;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == ' ' || (c >= 9 && c <= 13)) { space = 1; continue; }
		if (space && out->len && out->p[out->len - 1] != '\x1f') strbuf_putc(out, ' ');
		space = 0;
		strbuf_putc(out, (char)(c >= 'A' && c <= 'Z' ? c + 32 : c));
	}
}

static void test_fold_simd_matches(void)
{
	static const char alpha[] = "abcXYZ  \t\n\r\v\f\x1f\xc3\xa9 .Q";
	unsigned seed = 12345;
	strbuf a = {0}, b = {0};
	int bad = 0;
	for (int k = 0; k < 5000; k++) {
		char buf[200];
		size_t n = (size_t)(k % 97) + (k % 5 == 0 ? 100 : 0);
		for (size_t i = 0; i < n; i++) { seed = seed * 1103515245u + 12345u; buf[i] = alpha[(seed >> 16) % (sizeof alpha - 1)]; }
		strbuf_reset(&a); strbuf_reset(&b);
		if (k % 3 == 0) { strbuf_puts(&a, "user\x1f"); strbuf_puts(&b, "user\x1f"); }
		dedup_fold(buf, n, &a);
		ref_fold(buf, n, &b);
		if (a.len != b.len || memcmp(a.p, b.p, a.len)) bad++;
	}
	T_CHECKF(bad == 0, "%d of 5000 random texts fold differently", bad);
	strbuf_free(&a); strbuf_free(&b);
}

static void test_normalize_and_keys(void)
{
	const char *a = "{\"messages\":[{\"role\":\"user\",\"content\":\"Hi  There\"},{\"role\":\"assistant\",\"content\":\"ok\"}]}";
	const char *b = "{\"messages\":[{\"role\":\"user\",\"content\":\"hi there \"},{\"role\":\"assistant\",\"content\":\"ok\"}]}";
	const char *c = "{\"messages\":[{\"role\":\"user\",\"content\":\"hi there\"},{\"role\":\"assistant\",\"content\":\"no\"}]}";
	json_doc d;
	json_doc_init(&d);
	strbuf n1 = {0}, n2 = {0}, n3 = {0};
	T_CHECK(json_parse(&d, a, strlen(a)) == 0 && dedup_normalize(&d, DEDUP_KEY_ALL, &n1) == 0);
	T_CHECK(json_parse(&d, b, strlen(b)) == 0 && dedup_normalize(&d, DEDUP_KEY_ALL, &n2) == 0);
	T_CHECK(json_parse(&d, c, strlen(c)) == 0 && dedup_normalize(&d, DEDUP_KEY_ALL, &n3) == 0);
	dedup_key k1 = dedup_exact_key(n1.p, n1.len), k2 = dedup_exact_key(n2.p, n2.len), k3 = dedup_exact_key(n3.p, n3.len);
	T_CHECK(k1.lo == k2.lo && k1.hi == k2.hi);     /* case and whitespace fold away */
	T_CHECK(k1.lo != k3.lo || k1.hi != k3.hi);     /* another answer is another key */
	/* --key user: the prompts alone */
	T_CHECK(json_parse(&d, a, strlen(a)) == 0 && dedup_normalize(&d, DEDUP_KEY_USER, &n1) == 0);
	T_CHECK(json_parse(&d, c, strlen(c)) == 0 && dedup_normalize(&d, DEDUP_KEY_USER, &n3) == 0);
	T_CHECK(n1.len == n3.len && !memcmp(n1.p, n3.p, n1.len));
	T_CHECK(json_parse(&d, "{\"x\":1}", 7) == 0 && dedup_normalize(&d, DEDUP_KEY_ALL, &n1) == -1);
	strbuf_free(&n1); strbuf_free(&n2); strbuf_free(&n3);
	json_doc_free(&d);
}

/* texts over a vocabulary of unique words, so that shingle sets are known */
static void words_text(strbuf *b, const int *ids, int n)
{
	strbuf_reset(b);
	for (int i = 0; i < n; i++) strbuf_printf(b, "%sw%d", i ? " " : "", ids[i]);
}

static void test_minhash_estimates_jaccard(void)
{
	/* A = words 0..199; B = A with the last m words replaced: with 5-grams,
	 * |A| = |B| = 196 shingles, shared = 196 - m (for m < 196 - 4) */
	int a[200], b[200];
	strbuf ta = {0}, tb = {0};
	for (int i = 0; i < 200; i++) a[i] = i;
	uint32_t sa[256], sb[256];
	double worst = 0;
	for (int m = 10; m <= 90; m += 20) {
		memcpy(b, a, sizeof a);
		for (int i = 200 - m; i < 200; i++) b[i] = 1000 + i;
		words_text(&ta, a, 200);
		words_text(&tb, b, 200);
		T_EQ_INT(dedup_minhash(ta.p, ta.len, 5, sa, 256), 196);
		dedup_minhash(tb.p, tb.len, 5, sb, 256);
		int shared = 196 - m;   /* 5-grams entirely within the first 200-m words */
		double truth = (double)shared / (196 + 196 - shared);
		double est = dedup_sig_similarity(sa, sb, 256);
		double err = fabs(est - truth);
		if (err > worst) worst = err;
		/* 256 values: standard error sqrt(J(1-J)/256) <= 0.032; allow 4 sigma */
		T_CHECKF(err < 0.13, "m=%d: estimate %.3f, truth %.3f", m, est, truth);
	}
	T_CHECKF(worst > 0, "estimates are not all exact (a constant estimator would be)");
	/* deterministic: same text, same signature */
	uint32_t s2[256];
	dedup_minhash(ta.p, ta.len, 5, s2, 256);
	dedup_minhash(ta.p, ta.len, 5, sa, 256);
	T_CHECK(!memcmp(s2, sa, sizeof sa));
	/* fewer words than the n-gram: one shingle, not an empty set */
	T_EQ_INT(dedup_minhash("two words", 9, 5, sa, 16), 1);
	T_EQ_INT(dedup_minhash("", 0, 5, sa, 16), 0);
	strbuf_free(&ta); strbuf_free(&tb);
}

/* The AVX-512 and AVX2 MinHash give the scalar one's bits, for every
 * signature length (tails included) on random texts. */
static void test_minhash_simd_equal(void)
{
	uint64_t x = 42;
	strbuf t = {0};
	uint32_t s0[512], s1[512], s2[512];
	static const int nperms[] = {1, 3, 4, 7, 8, 9, 16, 112, 113, 256, 512};
	int differ = 0;
	for (int round = 0; round < 300; round++) {
		strbuf_reset(&t);
		int nw = (int)(x % 400);
		for (int w = 0; w < nw; w++) {
			x = x * 6364136223846793005ull + 1442695040888963407ull;
			strbuf_printf(&t, "%sw%llu", w ? " " : "", (unsigned long long)(x >> 52));
		}
		int np = nperms[round % (sizeof nperms / sizeof *nperms)];
		int ng = 1 + round % 7;
		dedup_minhash_impl(0);
		size_t c0 = dedup_minhash(t.p ? t.p : "", t.len, ng, s0, np);
		dedup_minhash_impl(1);
		size_t c1 = dedup_minhash(t.p ? t.p : "", t.len, ng, s1, np);
		dedup_minhash_impl(2);
		size_t c2 = dedup_minhash(t.p ? t.p : "", t.len, ng, s2, np);
		if (c0 != c1 || c0 != c2 || memcmp(s0, s1, np * sizeof *s0) || memcmp(s0, s2, np * sizeof *s0)) differ++;
	}
	dedup_minhash_impl(-1);
	T_EQ_INT(differ, 0);
	strbuf_free(&t);
}

static void test_lsh_curve(void)
{
	/* 1 - (1 - s^r)^b for 14 bands x 8 rows */
	T_CHECK(fabs(dedup_candidate_prob(0.8, 14, 8) - (1 - pow(1 - pow(0.8, 8), 14))) < 1e-12);
	T_CHECK(dedup_candidate_prob(0.9, 14, 8) > 0.999);
	T_CHECK(dedup_candidate_prob(0.5, 14, 8) < 0.06);
	/* band keys: equal bands give equal keys, and the band number is in the key */
	uint32_t s[16];
	for (int i = 0; i < 16; i++) s[i] = (uint32_t)i * 7u;
	T_CHECK(dedup_band_key(s, 0, 8) == dedup_band_key(s, 0, 8));
	uint32_t t2[16];
	memcpy(t2, s, sizeof s);
	memcpy(t2 + 8, s, 8 * sizeof *s);
	T_CHECK(dedup_band_key(t2, 0, 8) != dedup_band_key(t2, 1, 8));
}

static void test_union_find(void)
{
	dedup_uf u = {0};
	for (int i = 0; i < 6; i++) dedup_uf_add(&u);
	dedup_uf_union(&u, 4, 5);
	dedup_uf_union(&u, 5, 2);
	dedup_uf_union(&u, 0, 1);
	T_EQ_INT(dedup_uf_find(&u, 4), 2);   /* the smallest index is the root */
	T_EQ_INT(dedup_uf_find(&u, 5), 2);
	T_EQ_INT(dedup_uf_find(&u, 1), 0);
	T_EQ_INT(dedup_uf_find(&u, 3), 3);
	dedup_uf_union(&u, 1, 4);
	T_EQ_INT(dedup_uf_find(&u, 5), 0);
	dedup_uf_free(&u);
}

/* The exact-key table: the first record under a key wins, through growth. */
static void test_keytab(void)
{
	dedup_keytab t = {0};
	int bad = 0;
	for (uint32_t i = 0; i < 200000; i++) {
		dedup_key k = {i * 0x9E3779B97F4A7C15ull, i};
		if (dedup_keytab_first(&t, k, i) != i) bad++;
	}
	T_EQ_INT(bad, 0);
	T_EQ_INT(t.n, 200000);
	for (uint32_t i = 0; i < 200000; i += 7) {
		dedup_key k = {i * 0x9E3779B97F4A7C15ull, i};
		if (dedup_keytab_first(&t, k, 300000 + i) != i) bad++;   /* a later copy gets the first */
	}
	T_EQ_INT(bad, 0);
	T_EQ_INT(t.n, 200000);
	/* keys equal in one half only are different keys */
	T_EQ_INT(dedup_keytab_first(&t, (dedup_key){0, 12345678}, 999999), 999999);
	dedup_keytab_free(&t);
}

/* LSH joins: near copies (one word changed in 200) in one group, unrelated
 * texts alone, and the same groups whatever order the joins come in. */
static void test_lsh_groups(void)
{
	enum { N = 60, NPERM = 14 * 8 };
	uint32_t *sigs = malloc((size_t)N * NPERM * sizeof *sigs);
	int w[200];
	strbuf t = {0};
	for (int i = 0; i < N; i++) {
		/* records 3k, 3k+1, 3k+2 are one text and two near copies of it */
		int base = (i / 3) * 1000;
		for (int k = 0; k < 200; k++) w[k] = base + k;
		if (i % 3) w[50 * (i % 3)] = 500000 + i;
		words_text(&t, w, 200);
		dedup_minhash(t.p, t.len, 5, sigs + (size_t)i * NPERM, NPERM);
	}
	uint32_t root[2][N];
	for (int order = 0; order < 2; order++) {
		dedup_lsh l;
		dedup_uf u = {0};
		dedup_lsh_init(&l, 14, 8, 0.8);
		for (int i = 0; i < N; i++) dedup_uf_add(&u);
		for (int k = 0; k < N; k++) {
			uint32_t i = (uint32_t)(order ? N - 1 - k : k), c[14];
			int m = dedup_lsh_candidates(&l, sigs, i, &u, c);
			for (int j = 0; j < m; j++) dedup_uf_union(&u, c[j], i);
		}
		for (int i = 0; i < N; i++) root[order][i] = dedup_uf_find(&u, (uint32_t)i);
		dedup_lsh_free(&l);
		dedup_uf_free(&u);
	}
	int wrong = 0;
	for (int i = 0; i < N; i++) {
		if (root[0][i] != (uint32_t)(i / 3 * 3)) wrong++;   /* the group of 3k, rooted at 3k */
		if (root[1][i] != root[0][i]) wrong++;
	}
	T_EQ_INT(wrong, 0);
	free(sigs);
	strbuf_free(&t);
}

/* Punctuation separates words as whitespace does: only the words count. */
static void test_punctuation_separates(void)
{
	uint64_t *a = NULL, *b = NULL;
	size_t ca = 0, cb = 0, na, nb;
	const char *t1 = "the quick, brown fox; jumps (over) the \"lazy\" dog!", *t2 = "the quick brown fox jumps over the lazy dog";
	na = dedup_shingle_set(t1, strlen(t1), 5, &a, &ca);
	nb = dedup_shingle_set(t2, strlen(t2), 5, &b, &cb);
	T_EQ_INT(na, 5);
	T_CHECK(na == nb && dedup_jaccard(a, na, b, nb) == 1.0);
	/* Unicode punctuation (U+2014 em dash, U+00BF) too; letters with accents stay in their words */
	const char *u1 = "na\xc3\xafve caf\xc3\xa9\xe2\x80\x94r\xc3\xa9sum\xc3\xa9 \xc2\xbfque tal", *u2 = "na\xc3\xafve caf\xc3\xa9 r\xc3\xa9sum\xc3\xa9 que tal";
	na = dedup_shingle_set(u1, strlen(u1), 2, &a, &ca);
	nb = dedup_shingle_set(u2, strlen(u2), 2, &b, &cb);
	T_CHECK(na == 4 && na == nb && dedup_jaccard(a, na, b, nb) == 1.0);
	const char *u3 = "naive cafe resume que tal";
	nb = dedup_shingle_set(u3, strlen(u3), 2, &b, &cb);
	T_CHECKF(dedup_jaccard(a, na, b, nb) < 0.5, "accents are letters, not separators");
	/* random texts (long words, the 16-byte path, tails): any run of
	 * separators may become one space without changing the set, and a
	 * changed letter changes it */
	static const char alpha[] = "abcdefghijklmnopqrstuvwxyz0123456789      ,.;:!?-()\"'_/\xc3\xa9\x01";
	unsigned seed = 99;
	int bad = 0;
	strbuf t = {0}, sp = {0};
	for (int k = 0; k < 400; k++) {
		strbuf_reset(&t);
		size_t n = 20 + (size_t)(k * 7) % 500;
		for (size_t i = 0; i < n; i++) { seed = seed * 1103515245u + 12345u; strbuf_putc(&t, alpha[(seed >> 16) % (sizeof alpha - 1)]); }
		strbuf_putc(&t, 'z');
		strbuf_reset(&sp);
		int sep = 0;
		for (size_t i = 0; i < t.len; i++) {
			unsigned char c = (unsigned char)t.p[i];
			int is_sep = (c < 0x80 && c != 0x01 && !((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')));
			if (is_sep) { if (!sep) strbuf_putc(&sp, ' '); sep = 1; }
			else { strbuf_putc(&sp, (char)c); sep = 0; }
		}
		na = dedup_shingle_set(t.p, t.len, 3, &a, &ca);
		nb = dedup_shingle_set(sp.p, sp.len, 3, &b, &cb);
		if (na != nb || dedup_jaccard(a, na, b, nb) != 1.0) bad++;
		t.p[t.len - 1] = 'y';
		nb = dedup_shingle_set(t.p, t.len, 3, &b, &cb);
		if (dedup_jaccard(a, na, b, nb) == 1.0) bad++;
	}
	T_CHECKF(bad == 0, "%d of 800 checks failed", bad);
	free(a); free(b);
	strbuf_free(&t); strbuf_free(&sp);
}

/* dedup_jaccard is the exact share: A = words 0..199, B = A with the last m
 * replaced have 196 - m of 196 + m shingles in common. */
static void test_jaccard_exact(void)
{
	int a[200], b[200];
	strbuf ta = {0}, tb = {0};
	uint64_t *sa = NULL, *sb = NULL;
	size_t ca = 0, cb = 0;
	for (int i = 0; i < 200; i++) a[i] = i;
	for (int m = 1; m <= 91; m += 10) {
		memcpy(b, a, sizeof a);
		for (int i = 200 - m; i < 200; i++) b[i] = 1000 + i;
		words_text(&ta, a, 200);
		words_text(&tb, b, 200);
		size_t na = dedup_shingle_set(ta.p, ta.len, 5, &sa, &ca), nb = dedup_shingle_set(tb.p, tb.len, 5, &sb, &cb);
		T_EQ_INT(na, 196);
		T_EQ_INT(nb, 196);
		double want = (double)(196 - m) / (196 + m), got = dedup_jaccard(sa, na, sb, nb);
		T_CHECKF(got == want, "m=%d: %.6f, not %.6f", m, got, want);
	}
	/* repeated shingles count once */
	const char *r = "a b a b a b";
	T_EQ_INT(dedup_shingle_set(r, strlen(r), 2, &sa, &ca), 2);
	free(sa); free(sb);
	strbuf_free(&ta); strbuf_free(&tb);
}

/* The verifier: exact Jaccard of records it reads through the callback,
 * each read once while cached, and none read that were put. */
struct vtexts { strbuf t[130]; int fail; };
static int vtext(void *ctx, uint32_t idx, const char **t, size_t *n)
{
	struct vtexts *v = ctx;
	if (v->fail) return -1;
	*t = v->t[idx].p;
	*n = v->t[idx].len;
	return 0;
}

static void test_verifier(void)
{
	static struct vtexts vt;
	int w[200];
	for (int i = 0; i < 130; i++) {
		for (int k = 0; k < 200; k++) w[k] = (i / 2) * 1000 + k;
		if (i % 2) for (int k = 0; k < 3; k++) w[20 + 60 * k] = 999999 - i;   /* 3 words: 181 of 211 shingles shared */
		words_text(&vt.t[i], w, 200);
	}
	dedup_verifier v;
	dedup_verifier_init(&v, 5, 0.8, vtext, &vt);
	double j;
	T_CHECK(dedup_verifier_jaccard(&v, 0, 1, &j) == 0);
	T_CHECKF(j == 181.0 / 211, "%.4f", j);
	T_CHECK(dedup_verifier_jaccard(&v, 2, 4, &j) == 0 && j < 0.01);
	T_EQ_INT(v.reads, 4);
	T_CHECK(dedup_verifier_jaccard(&v, 0, 1, &j) == 0);
	T_EQ_INT(v.reads, 4);
	/* records 0 and 64 share a slot: both are read, the right sets compared */
	T_CHECK(dedup_verifier_jaccard(&v, 64, 0, &j) == 0 && j < 0.01);
	T_CHECK(dedup_verifier_jaccard(&v, 64, 65, &j) == 0 && j == 181.0 / 211);
	/* put: no read for a record handed over */
	uint64_t *h = NULL;
	size_t cap = 0, m = dedup_shingle_hashes(vt.t[3].p, vt.t[3].len, 5, &h, &cap);
	dedup_verifier_put(&v, 3, &h, m, &cap);
	uint64_t reads = v.reads;
	T_CHECK(dedup_verifier_jaccard(&v, 2, 3, &j) == 0 && j == 181.0 / 211);
	T_EQ_INT(v.reads, reads);   /* 2 was cached, 3 handed over */
	vt.fail = 1;
	T_EQ_INT(dedup_verifier_jaccard(&v, 100, 101, &j), -1);
	dedup_verifier_free(&v);
	free(h);
	for (int i = 0; i < 130; i++) strbuf_free(&vt.t[i]);
}

/* Exact groups: the survivor by (rank, index), --keep-per-key extras. */
static void test_exact_groups(void)
{
	dedup_key k[6] = {{1, 1}, {2, 2}, {1, 1}, {1, 1}, {3, 3}, {1, 1}};
	uint16_t r[6] = {5, 0, 3, 3, 0, 3 | 0x8000};   /* the top bit is not compared */
	uint32_t s[6];
	dedup_exact_groups(k, r, 6, 1, s);
	T_CHECK(s[1] == DEDUP_SINGLE && s[4] == DEDUP_SINGLE);
	T_CHECK(s[0] == 2 && s[2] == 2 && s[3] == 2 && s[5] == 2);   /* rank 3 beats 5; then index */
	dedup_exact_groups(k, r, 6, 3, s);
	T_CHECK(s[2] == 2 && s[3] == (2 | DEDUP_EXTRA) && s[5] == (2 | DEDUP_EXTRA) && s[0] == 2);
	dedup_exact_groups(k, r, 0, 1, s);
}

int main(void)
{
	T_RUN(test_fold);
	T_RUN(test_fold_simd_matches);
	T_RUN(test_normalize_and_keys);
	T_RUN(test_minhash_estimates_jaccard);
	T_RUN(test_minhash_simd_equal);
	T_RUN(test_lsh_curve);
	T_RUN(test_union_find);
	T_RUN(test_keytab);
	T_RUN(test_lsh_groups);
	T_RUN(test_punctuation_separates);
	T_RUN(test_jaccard_exact);
	T_RUN(test_verifier);
	T_RUN(test_exact_groups);
	return t_done();
}
