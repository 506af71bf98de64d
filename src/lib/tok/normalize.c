/* normalize.c — HF's normalizers, and Oniguruma's find_iter. See tok_int.h. */
#include "tok/tok_int.h"

/* The quick check: code points below U+0300 are stable under NFC, below
 * U+00C0 under NFD (U+00C0 on decompose), ASCII under NFKC/NFKD (which
 * also change U+00A0 ...). */
static int unorm_stable(int type, const char *in, size_t n)
{
	unsigned char lim = type == N_NFC ? 0xCC : type == N_NFD ? 0xC3 : 0xC2;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)in[i] >= lim) return 0;
	return 1;
}

/* Unicode normalization form of in[0..n) appended to out. */
static void unorm(int type, const char *in, size_t n, strbuf *out)
{
	if (unorm_stable(type, in, n)) { strbuf_put(out, in, n); return; }
	int fl = UTF8PROC_STABLE;
	if (type == N_NFC) fl |= UTF8PROC_COMPOSE;
	if (type == N_NFD) fl |= UTF8PROC_DECOMPOSE;
	if (type == N_NFKC) fl |= UTF8PROC_COMPOSE | UTF8PROC_COMPAT;
	if (type == N_NFKD) fl |= UTF8PROC_DECOMPOSE | UTF8PROC_COMPAT;
	/* Only the runs of non-ASCII characters (with the ASCII character before
	 * each, which a combining mark may compose with) can change: ASCII is
	 * stable under every normalization form and never composes as the
	 * second character of a pair. Normalizing runs keeps ASCII-heavy text
	 * on the fast path. */
	size_t i = 0;
	while (i < n) {
		size_t a = i;
		while (i < n && (unsigned char)in[i] < 0x80) i++;
		if (i == n) { strbuf_put(out, in + a, n - a); break; }
		size_t st = i > a ? i - 1 : i;   /* include the preceding ASCII character */
		strbuf_put(out, in + a, st - a);
		while (i < n && (unsigned char)in[i] >= 0x80) i++;
		utf8proc_uint8_t *r = NULL;
		utf8proc_ssize_t rn = utf8proc_map((const utf8proc_uint8_t *)in + st, (utf8proc_ssize_t)(i - st), &r, fl);
		if (rn < 0) strbuf_put(out, in + st, i - st);   /* valid UTF-8 in: not reached */
		else strbuf_put(out, r, (size_t)rn);
		free(r);
	}
}

/* Rust's char::to_lowercase, one character at a time as HF's Lowercase does
 * (no final-sigma context; U+0130 becomes "i" + U+0307). */
static void lower(const char *in, size_t n, strbuf *out)
{
	for (size_t i = 0; i < n;) {
		unsigned char c = (unsigned char)in[i];
		if (c < 0x80) { strbuf_putc(out, (char)(c >= 'A' && c <= 'Z' ? c + 32 : c)); i++; continue; }
		size_t k;
		uint32_t cp = u8dec(in + i, n - i, &k);
		i += k;
		if (cp == 0x130) { strbuf_put(out, "i\xcc\x87", 3); continue; }
		char u[4];
		strbuf_put(out, u, put_utf8(u, (uint32_t)utf8proc_tolower((utf8proc_int32_t)cp)));
	}
}

/* Keep the characters whose category is not one of the marks in [lo, hi]. */
static void drop_marks(const char *in, size_t n, int lo, int hi, strbuf *out)
{
	for (size_t i = 0; i < n;) {
		size_t k;
		uint32_t cp = u8dec(in + i, n - i, &k);
		int c = cp < 0x300 ? 0 : cp_cat(cp);
		if (!(c >= lo && c <= hi)) strbuf_put(out, in + i, k);
		i += k;
	}
}

static int cp_chinese(uint32_t c)
{
	return (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0x3400 && c <= 0x4DBF) || (c >= 0x20000 && c <= 0x2A6DF) ||
	       (c >= 0x2A700 && c <= 0x2B73F) || (c >= 0x2B740 && c <= 0x2B81F) || (c >= 0x2B920 && c <= 0x2CEAF) ||
	       (c >= 0xF900 && c <= 0xFAFF) || (c >= 0x2F800 && c <= 0x2FA1F);
}

/* HF's BertNormalizer: clean_text, handle_chinese_chars, strip_accents, lowercase, in that order. */
static void bert_norm(const norm_op *op, const char *in, size_t n, strbuf *out, strbuf *tmp)
{
	strbuf_reset(tmp);
	for (size_t i = 0; i < n;) {
		size_t k;
		uint32_t cp = u8dec(in + i, n - i, &k);
		const char *p = in + i;
		i += k;
		if (op->clean) {
			if (cp == 0 || cp == 0xFFFD) continue;
			if (cp == '\t' || cp == '\n' || cp == '\r' || cp_ws(cp)) { strbuf_putc(tmp, ' '); continue; }
			int c = cp_cat(cp);
			/* is_other: Cc Cf Cs Co (unassigned code points are kept, as HF keeps them) */
			if (c >= UTF8PROC_CATEGORY_CC) continue;
		}
		if (op->chinese && cp_chinese(cp)) { strbuf_putc(tmp, ' '); strbuf_put(tmp, p, k); strbuf_putc(tmp, ' '); continue; }
		strbuf_put(tmp, p, k);
	}
	const char *cur = tmp->p ? tmp->p : "";
	size_t cn = tmp->len;
	strbuf x = {0};
	if (op->strip_accents) {
		strbuf y = {0};
		unorm(N_NFD, cur, cn, &y);
		drop_marks(y.p ? y.p : "", y.len, UTF8PROC_CATEGORY_MN, UTF8PROC_CATEGORY_MN, &x);
		strbuf_free(&y);
		cur = x.p ? x.p : "";
		cn = x.len;
	}
	if (op->lower) lower(cur, cn, out);
	else strbuf_put(out, cur, cn);
	strbuf_free(&x);
}

/* Oniguruma's find_iter over s[0..n): the matches, an empty one never right
 * after the previous match. Calls fn(ctx, start, end) for each; returns the
 * number found. */
typedef void (*match_fn)(void *ctx, size_t s, size_t e);
size_t tok_find_iter(pcre2_code *re, pcre2_match_data *md, const char *s, size_t n, match_fn fn, void *ctx, const int *stop,
		     int *merr)
{
	size_t last_end = 0, found = 0;
	size_t last_match_end = (size_t)-1;
	while (last_end <= n && !(stop && *stop)) {
		/* the JIT entry skips the interpreter's option checks; it fails
		 * with PCRE2_ERROR_JIT_BADOPTION when the pattern has no JIT code */
		int rc = pcre2_jit_match(re, (PCRE2_SPTR)s, n, last_end, PCRE2_NO_UTF_CHECK, md, NULL);
		if (rc == PCRE2_ERROR_JIT_BADOPTION) rc = pcre2_match(re, (PCRE2_SPTR)s, n, last_end, PCRE2_NO_UTF_CHECK, md, NULL);
		/* an error (match or JIT stack limit) is not "no more matches":
		 * it would change the split silently */
		if (rc < 0) { if (rc != PCRE2_ERROR_NOMATCH && merr && !*merr) *merr = rc; break; }
		PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);
		size_t ms = ov[0], me = ov[1];
		if (me < ms) break;   /* \K in a lookahead: not a usable match */
		if (me == ms && me == last_match_end) {
			if (last_end >= n) break;
			size_t k;
			u8dec(s + last_end, n - last_end, &k);
			last_end += k;
			continue;
		}
		last_end = last_match_end = me;
		fn(ctx, ms, me);
		found++;
	}
	return found;
}

typedef struct repl_ctx { const char *in; size_t pos; const char *content; strbuf *out; } repl_ctx;
static void repl_one(void *ctx, size_t s, size_t e)
{
	repl_ctx *c = ctx;
	strbuf_put(c->out, c->in + c->pos, s - c->pos);
	strbuf_puts(c->out, c->content);
	c->pos = e;
}

/* One normalizer step from in to out (out != in). */
static void norm_step(const norm_op *op, pcre2_match_data *md, const char *in, size_t n, strbuf *out, strbuf *tmp, int *merr)
{
	strbuf_reset(out);
	switch (op->type) {
	case N_NFC: case N_NFKC: case N_NFD: case N_NFKD:
		unorm(op->type, in, n, out);
		return;
	case N_LOWER:
		lower(in, n, out);
		return;
	case N_STRIP_ACCENTS:
		/* unicode-normalization's is_combining_mark: Mn, Mc, Me */
		drop_marks(in, n, UTF8PROC_CATEGORY_MN, UTF8PROC_CATEGORY_ME, out);
		return;
	case N_BERT:
		bert_norm(op, in, n, out, tmp);
		return;
	case N_PREPEND:
		if (n) strbuf_puts(out, op->a);
		strbuf_put(out, in, n);
		return;
	case N_REPLACE: {
		/* leftmost non-overlapping occurrences, as str::replace; the output
		 * is at most n / pl * bl + n bytes, reserved once */
		size_t pl = strlen(op->a), bl = strlen(op->b), i = 0;
		strbuf_reserve(out, n + (bl > pl ? n / pl * (bl - pl) : 0) + 4);   /* + 4: the 4-byte store below */
		char *o = out->p + out->len;
		if (pl == 1 && bl <= 4) {
			/* one byte to at most four (Gemma's and Mistral's ' ' -> U+2581):
			 * eight bytes at a time while none is the one replaced (the
			 * classic has-zero-byte test on x ^ a), and the replacement
			 * written as one 4-byte store (the reserve has 4 bytes to
			 * spare past the longest output) */
			const unsigned char a = (unsigned char)op->a[0];
			const uint64_t ones = 0x0101010101010101u, highs = 0x8080808080808080u, rep = ones * a;
			char b4[4] = { 0 };
			memcpy(b4, op->b, bl);
			while (i < n) {
				if (n - i >= 8) {
					uint64_t x;
					memcpy(&x, in + i, 8);
					x ^= rep;
					uint64_t m = (x - ones) & ~x & highs;   /* its lowest bit: the first match */
					memcpy(o, in + i, 8);
					if (!m) { o += 8; i += 8; continue; }
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
					size_t k = (size_t)__builtin_ctzll(m) / 8;   /* the bytes before it are copied */
					memcpy(o + k, b4, 4);
					o += k + bl;
					i += k + 1;
					continue;
#endif
				}
				if ((unsigned char)in[i] != a) { *o++ = in[i++]; continue; }
				memcpy(o, b4, 4);
				o += bl;
				i++;
			}
		}
		while (i < n) {
			const char *h = pl <= n - i ? memchr(in + i, op->a[0], n - i - pl + 1) : NULL;
			if (!h) break;
			size_t j = (size_t)(h - in);
			if (memcmp(h, op->a, pl)) { memcpy(o, in + i, j + 1 - i); o += j + 1 - i; i = j + 1; continue; }
			memcpy(o, in + i, j - i);
			o += j - i;
			memcpy(o, op->b, bl);
			o += bl;
			i = j + pl;
		}
		memcpy(o, in + i, n - i);
		o += n - i;
		*o = 0;   /* strbuf keeps a NUL after its bytes */
		out->len = (size_t)(o - out->p);
		return;
	}
	case N_REPLACE_RE: {
		repl_ctx c = { in, 0, op->b, out };
		tok_find_iter(op->re, md, in, n, repl_one, &c, NULL, merr);
		strbuf_put(out, in + c.pos, n - c.pos);
		return;
	}
	case N_STRIP: {
		size_t a = 0, b = n, k;
		if (op->left) while (a < b && cp_ws(u8dec(in + a, b - a, &k))) a += k;
		if (op->right) while (b > a) {
			k = u8back(in + a, b - a);
			size_t k2;
			if (!cp_ws(u8dec(in + b - k, k, &k2))) break;
			b -= k;
		}
		strbuf_put(out, in + a, b - a);
		return;
	}
	}
}

/* The normalizer chain over in[0..n): the result is in *outp and *outn (in
 * itself when there is no normalizer, else one of the buffers a, b). */
void tok_normalize(const tok *t, pcre2_match_data *md, int *merr, const char *in, size_t n, strbuf *a, strbuf *b, strbuf *tmp,
		      const char **outp, size_t *outn)
{
	const char *cur = in;
	size_t cn = n;
	strbuf *bufs[2] = { a, b };
	int which = 0;
	for (int i = 0; i < t->nnorm; i++) {
		/* a text that a normalization form leaves as it is (the quick check
		 * of unorm) is not copied: Qwen's NFC on ASCII-heavy text */
		if (t->norm[i].type >= N_NFC && t->norm[i].type <= N_NFKD && unorm_stable(t->norm[i].type, cur, cn)) continue;
		norm_step(&t->norm[i], md, cur, cn, bufs[which], tmp, merr);
		cur = bufs[which]->p ? bufs[which]->p : "";
		cn = bufs[which]->len;
		which ^= 1;
	}
	*outp = cur;
	*outn = cn;
}
