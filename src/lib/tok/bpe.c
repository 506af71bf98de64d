/* bpe.c — HF's BPE model: barriers, the merge loop, the word cache. See tok_int.h. */
#include "tok/tok_int.h"

/* Character classes for barriers: ASCII bytes are their own class, U+2581
 * is 128, any other character 129. */
enum { CL_SP = 128, CL_OTHER = 129 };
enum { K_SOFT, K_VOCAB, K_INERT };
static inline int char_class(const char *p, size_t n, size_t *len)
{
	unsigned char c = (unsigned char)p[0];
	if (c < 0x80) { *len = 1; return c; }
	size_t k = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
	if (k > n) k = n;
	*len = k;
	return k == 3 && c == 0xE2 && (unsigned char)p[1] == 0x96 && (unsigned char)p[2] == 0x81 ? CL_SP : CL_OTHER;
}

/* A class character's last and first bytes (U+2581: E2 96 81), and the
 * index in t->cut of two bytes in a row: the 16 bits they are in memory,
 * so that the scan loads each pair with one load. */
static inline unsigned cls_last(int c) { return c == CL_SP ? 0x81 : (unsigned)c; }
static inline unsigned cls_first(int c) { return c == CL_SP ? 0xE2 : (unsigned)c; }
static inline uint16_t load16(const unsigned char *p) { uint16_t v; memcpy(&v, p, 2); return v; }
static inline uint16_t pair16(unsigned a, unsigned b)
{
	const unsigned char p[2] = { (unsigned char)a, (unsigned char)b };
	return load16(p);
}
static inline int is_sp(const unsigned char *p, size_t n) { return n >= 3 && p[0] == 0xE2 && p[1] == 0x96 && p[2] == 0x81; }

/* How a character becomes its first symbols: a vocab entry (K_VOCAB);
 * byte-fallback tokens that no merge takes (K_INERT); or the unk token or
 * nothing (K_SOFT: it may fuse with an unk beside it, or vanish and let its
 * neighbours meet). */
static int char_kind(const tok *t, const char *p, size_t n)
{
	if (sm_get(&t->vocab, p, n) >= 0) return K_VOCAB;
	if (!t->byte_fallback || !t->fb_inert) return K_SOFT;
	for (size_t j = 0; j < n; j++)
		if (t->byte_fb[(unsigned char)p[j]] < 0) return K_SOFT;
	return K_INERT;
}

/* HF's BPE merges a word's symbols by rank alone, so where no merge can
 * ever join the symbol ending at a character with the one starting at the
 * next, the two sides are merged independently and the word may be cut
 * there and its pieces encoded (and cached) alone, with the same ids. That
 * holds between two characters with vocab entries when no vocab entry
 * holds the pair (every merged symbol is a vocab entry), and beside a
 * character that becomes byte-fallback tokens no merge takes. Gemma and
 * Mistral have no pre-tokenizer (a whole text is one word): these cuts
 * keep their words short. */
void tok_find_barriers(tok *t)
{
	/* which ids are <0xXX> tokens, then whether a merge takes one */
	int32_t maxid = 0;
	for (size_t i = 0; i < t->vocab.n; i++) if (t->vocab.e[i].val > maxid) maxid = t->vocab.e[i].val;
	unsigned char *isfb = xcalloc((size_t)maxid + 1, 1);
	for (int x = 0; x < 256; x++) if (t->byte_fb[x] >= 0) isfb[t->byte_fb[x]] = 1;
	t->fb_inert = 1;
	for (size_t i = 0; i < t->merges.cap && t->fb_inert; i++) {
		if (t->merges.t[i] == UINT64_MAX) continue;
		uint32_t a = (uint32_t)mm_a(t->merges.t[i]), b = (uint32_t)mm_b(t->merges.t[i]);
		if ((a <= (uint32_t)maxid && isfb[a]) || (b <= (uint32_t)maxid && isfb[b])) t->fb_inert = 0;
	}
	free(isfb);
	for (int c = 0; c < 129; c++) {
		char u[3];
		size_t n = 1;
		if (c == CL_SP) memcpy(u, "\xe2\x96\x81", n = 3);
		else u[0] = (char)c;
		t->cls_id[c] = sm_get(&t->vocab, u, n);
		t->kind[c] = (unsigned char)char_kind(t, u, n);
	}
	for (size_t i = 0; i < t->vocab.n; i++) {
		const char *k = t->vocab.pool.p + t->vocab.e[i].off;
		size_t kl = t->vocab.e[i].len, l;
		int prev = -1;
		for (size_t j = 0; j < kl; j += l) {
			int c = char_class(k + j, kl - j, &l);
			if (prev >= 0) t->pair[prev][c] = 1;
			prev = c;
		}
	}
	/* every pair is a stop (1) but those of two class characters without a
	 * barrier and the two inside U+2581 (see tok.h's cut) */
	memset(t->cut, 1, sizeof t->cut);
	t->cut[pair16(0xE2, 0x96)] = t->cut[pair16(0x96, 0x81)] = 0;
	for (int a = 0; a < 129; a++)
		for (int b = 0; b < 129; b++) {
			int cut = t->kind[a] == K_INERT || t->kind[b] == K_INERT ||
				  (t->kind[a] == K_VOCAB && t->kind[b] == K_VOCAB && !t->pair[a][b]);
			t->cut[pair16(cls_last(a), cls_first(b))] = (unsigned char)cut;
		}
	t->barriers = 1;
}

static inline void heap_push(tok_state *s, size_t *hn, int32_t rank, int32_t pos, int32_t a, int32_t b)
{
	if (*hn == s->hcap) { s->hcap = s->hcap ? s->hcap * 2 : 256; s->heap = xrealloc(s->heap, s->hcap * sizeof *s->heap); }
	size_t i = (*hn)++;
	struct hent e = { rank, pos, a, b };
	while (i) {
		size_t p = (i - 1) / 2;
		struct hent *q = &s->heap[p];
		if (q->rank < rank || (q->rank == rank && q->pos < pos)) break;
		s->heap[i] = *q;
		i = p;
	}
	s->heap[i] = e;
}

static inline struct hent heap_pop(tok_state *s, size_t *hn)
{
	struct hent top = s->heap[0], last = s->heap[--*hn];
	size_t i = 0, n = *hn;
	for (;;) {
		size_t c = 2 * i + 1;
		if (c >= n) break;
		if (c + 1 < n && (s->heap[c + 1].rank < s->heap[c].rank ||
				  (s->heap[c + 1].rank == s->heap[c].rank && s->heap[c + 1].pos < s->heap[c].pos))) c++;
		if (last.rank < s->heap[c].rank || (last.rank == s->heap[c].rank && last.pos < s->heap[c].pos)) break;
		s->heap[i] = s->heap[c];
		i = c;
	}
	if (n) s->heap[i] = last;
	return top;
}

/* The barrier between class characters of classes a and b (CL_SP: U+2581) */
static inline int barrier(const tok *t, int a, int b)
{
	return t->cut[pair16(cls_last(a), cls_first(b))];
}

/* The rank of the merge of a and b in *rank; 0 if there is none. */
static inline int pair_get(tok_state *s, int32_t a, int32_t b, int32_t *rank)
{
	uint32_t v;
	if (!mm_get(&s->t->merges, a, b, &v)) return 0;
	*rank = (int32_t)v;
	return 1;
}

/* The smallest of key[0 .. 4 * nv), four at a time: GCC's and Clang's
 * vector types, lowered to SSE2 on x86-64 (compare and select, as SSE2 has
 * no 32-bit min) or to the target's own vectors elsewhere. The merge loop
 * below takes the minimum once a merge, so this is its inner loop. */
typedef int32_t key4 __attribute__((vector_size(16)));
static inline int32_t min_key(const int32_t *key, int nv)
{
	key4 m, v;
	memcpy(&m, key, sizeof m);
	for (int i = 1; i < nv; i++) {
		memcpy(&v, key + 4 * i, sizeof v);
		key4 lt = v < m;
		m = (v & lt) | (m & ~lt);
	}
	int32_t a = m[0] < m[1] ? m[0] : m[1], b = m[2] < m[3] ? m[2] : m[3];
	return a < b ? a : b;
}

static void bpe_heap(tok_state *s, size_t n, tok_ids *out);
static inline void ids_reserve(tok_ids *o, size_t m);
/* the longest word merged by a linear scan rather than a heap (at most
 * 64: a symbol's index is the low 6 bits of its key) */
enum { BPE_SHORT = 48 };
/* Merge the n symbols in s->id[] and append the result to out. */
static void bpe(tok_state *s, size_t n, tok_ids *out)
{
	int32_t *id = s->id, r;
	if (!n) return;   /* every character vanished (no vocab entry, fallback or unk) */
	if (n <= BPE_SHORT) {
		/* short words: a linear scan for the best pair beats a heap. The
		 * symbols stay in place, linked; key[i] is the rank of the pair
		 * starting at symbol i times 64 plus i (INT32_MAX: no pair, or i
		 * merged into its left neighbour; ranks are under 2^22), looked up
		 * once and again only next to a merge. The smallest key is the
		 * lowest rank, and of equal ranks the leftmost, as in HF. */
		int32_t key[BPE_SHORT] __attribute__((aligned(16)));
		signed char nx[BPE_SHORT], pv[BPE_SHORT];
		const int ni = (int)n, nv = (ni + 3) / 4;
		for (int i = 0; i < ni; i++) {
			nx[i] = (signed char)(i + 1 < ni ? i + 1 : -1);
			pv[i] = (signed char)(i - 1);
			key[i] = i + 1 < ni && pair_get(s, id[i], id[i + 1], &r) ? r << 6 | i : INT32_MAX;
		}
		for (int i = ni; i < nv * 4; i++) key[i] = INT32_MAX;   /* the last block's padding */
		for (;;) {
			int32_t best = min_key(key, nv);
			if (best == INT32_MAX) break;
			int bi = best & 63, j = nx[bi];
			id[bi] = s->t->merge_id[best >> 6];
			key[j] = INT32_MAX;
			nx[bi] = nx[j];
			if (nx[j] >= 0) pv[nx[j]] = (signed char)bi;
			key[bi] = nx[bi] >= 0 && pair_get(s, id[bi], id[nx[bi]], &r) ? r << 6 | bi : INT32_MAX;
			int q = pv[bi];
			if (q >= 0) key[q] = pair_get(s, id[q], id[bi], &r) ? r << 6 | q : INT32_MAX;
		}
		ids_reserve(out, n);
		for (int i = 0; i >= 0; i = nx[i]) out->v[out->n++] = id[i];
		return;
	}
	bpe_heap(s, n, out);
}

/* Longer words: HF's own algorithm, a heap of candidate merges keyed by
 * (rank, position), stale entries skipped when popped. */
static __attribute__((noinline)) void bpe_heap(tok_state *s, size_t n, tok_ids *out)
{
	int32_t *id = s->id, *prv = s->prv, *nxt = s->nxt;
	const int32_t *mid = s->t->merge_id;
	int32_t r;
	size_t hn = 0;
	for (size_t i = 0; i < n; i++) { prv[i] = (int32_t)i - 1; nxt[i] = i + 1 < n ? (int32_t)i + 1 : -1; }
	for (size_t i = 0; i + 1 < n; i++)
		if (pair_get(s, id[i], id[i + 1], &r)) heap_push(s, &hn, r, (int32_t)i, id[i], id[i + 1]);
	while (hn) {
		struct hent e = heap_pop(s, &hn);
		int32_t p = e.pos, q = nxt[p];
		if (id[p] != e.a || q < 0 || id[q] != e.b || prv[p] == -2) continue;
		id[p] = mid[e.rank];
		nxt[p] = nxt[q];
		if (nxt[q] >= 0) prv[nxt[q]] = p;
		prv[q] = -2;   /* dead */
		id[q] = -1;
		if (prv[p] >= 0 && pair_get(s, id[prv[p]], id[p], &r)) heap_push(s, &hn, r, prv[p], id[prv[p]], id[p]);
		if (nxt[p] >= 0 && pair_get(s, id[p], id[nxt[p]], &r)) heap_push(s, &hn, r, p, id[p], id[nxt[p]]);
	}
	for (int32_t i = 0; i >= 0; i = nxt[i]) ids_push(out, id[i]);
}

static void ensure_scratch(tok_state *s, size_t n)
{
	if (n <= s->scap) return;
	s->scap = n + n / 2 + 16;
	s->id = xrealloc(s->id, s->scap * sizeof *s->id);
	s->prv = xrealloc(s->prv, s->scap * sizeof *s->prv);
	s->nxt = xrealloc(s->nxt, s->scap * sizeof *s->nxt);
}


/* A word's symbols under a model without ByteLevel, merged (HF's BPE: each
 * character is a symbol; one the vocab lacks becomes its bytes' <0xXX>
 * tokens (byte_fallback, when all exist), else the unk token (consecutive
 * ones fused with fuse_unk), else nothing). */
static void sp_bpe(tok_state *s, const char *w, size_t n, tok_ids *out)
{
	const tok *t = s->t;
	ensure_scratch(s, n);
	size_t k = 0;
	int last_unk = 0;
	for (size_t i = 0; i < n;) {
		size_t cl = 1;
		unsigned char c = (unsigned char)w[i];
		int32_t id;
		if (c < 0x80) id = t->cls_id[c];
		else {
			if (c >= 0xF0) cl = 4; else if (c >= 0xE0) cl = 3; else if (c >= 0xC0) cl = 2;
			if (i + cl > n) cl = n - i;
			id = cl == 3 && c == 0xE2 && (unsigned char)w[i + 1] == 0x96 && (unsigned char)w[i + 2] == 0x81 ? t->cls_id[CL_SP]
											   : sm_get(&t->vocab, w + i, cl);
		}
		int fb = id < 0 && t->byte_fallback;
		for (size_t j = 0; fb && j < cl; j++) fb = t->byte_fb[(unsigned char)w[i + j]] >= 0;
		if (id >= 0) { s->id[k++] = id; last_unk = 0; }
		else if (fb) {
			for (size_t j = 0; j < cl; j++) s->id[k++] = t->byte_fb[(unsigned char)w[i + j]];
			last_unk = 0;
		} else if (t->unk >= 0) {
			if (!(t->fuse_unk && last_unk)) s->id[k++] = t->unk;
			last_unk = 1;
		}
		i += cl;
	}
	bpe(s, k, out);
}

/* A byte-level word's ids (ignore_merges: a word in the vocab is one token). */
static void bl_bpe(tok_state *s, const char *w, size_t n, tok_ids *out)
{
	const tok *t = s->t;
	if (t->ignore_merges) {
		/* the word's symbols as the vocab spells them: at most two bytes a byte */
		strbuf_reset(&s->word);
		strbuf_reserve(&s->word, 2 * n + 2);
		char *p = s->word.p;
		for (size_t i = 0; i < n; i++) {
			const unsigned char b = (unsigned char)w[i];
			memcpy(p, t->byte_u8[b], 2);
			p += t->byte_u8n[b];
		}
		s->word.len = (size_t)(p - s->word.p);
		int32_t v = sm_get(&t->vocab, s->word.p, s->word.len);
		if (v >= 0) { ids_push(out, v); return; }
	}
	ensure_scratch(s, n);
	for (size_t i = 0; i < n; i++) s->id[i] = t->byte_sym[(unsigned char)w[i]];
	bpe(s, n, out);
}

/* Words of up to 16 bytes are keyed by their bytes, zero-padded to two
 * 64-bit words, and their length: the key is two masked loads where 16
 * bytes can be read (room: the bytes readable from w), so its hash and
 * comparison take no call and no branch on the length. ff16: sixteen 0xFF
 * then sixteen 0; from ff16 + 16 - n, its first n bytes are 0xFF. */
static inline uint64_t load64(const char *p) { uint64_t v; memcpy(&v, p, 8); return v; }
static const unsigned char ff16[32] = { 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255 };
static inline void short_key(const char *w, size_t n, size_t room, uint64_t k[2])
{
	if (room >= 16) {
		uint64_t m0, m1;
		memcpy(&m0, ff16 + 16 - n, 8);
		memcpy(&m1, ff16 + 24 - n, 8);
		k[0] = load64(w) & m0;
		k[1] = load64(w + 8) & m1;
	} else {
		k[0] = k[1] = 0;
		memcpy(k, w, n);
	}
}

/* A short key's slot: the top bits of a sum of products, which every bit
 * of both words reaches (Fibonacci hashing). */
static inline uint64_t short_hash(const uint64_t k[2])
{
	return (k[0] * 0x9E3779B97F4A7C15ull + k[1] * 0xC2B2AE3D27D4EB4Full) >> (64 - CACHE_BITS);
}

/* Room for m more ids in o. */
static inline void ids_reserve(tok_ids *o, size_t m)
{
	if (o->cap - o->n >= m) return;
	while (o->cap - o->n < m) o->cap = o->cap ? o->cap * 2 : 256;
	o->v = xrealloc(o->v, o->cap * sizeof *o->v);
}

/* A word the cache lacks: encoded, then stored in ce (NULL: not cached). */
static __attribute__((noinline)) void encode_miss(tok_state *s, const char *w, size_t n, tok_ids *out, cache_ent *ce,
						  uint64_t h, const uint64_t k[2])
{
	size_t start = out->n;
	if (s->t->byte_level) bl_bpe(s, w, n, out);
	else sp_bpe(s, w, n, out);
	if (!ce) return;
	size_t m = out->n - start;
	if (s->ckeys.len + n > (1u << 24) || s->cids.n + m > (1u << 22)) {
		/* the cache's storage is full: start over */
		memset(s->cache, 0, ((size_t)1 << CACHE_BITS) * sizeof *s->cache);
		strbuf_reset(&s->ckeys);
		s->cids.n = 0;
	}
	ce->h = h;
	ce->klen = (uint16_t)n;
	if (n <= 16) memcpy(ce->key, k, 16);
	else if (n <= CK_IN) memcpy(ce->key, w, n);
	else {
		ce->koff = (uint32_t)s->ckeys.len;
		strbuf_put(&s->ckeys, w, n);
	}
	ce->in = (uint16_t)m;
	if (m <= CI_IN) { if (m) memcpy(ce->ids, out->v + start, m * sizeof *out->v); }
	else {
		ce->ioff = (uint32_t)s->cids.n;
		ids_reserve(&s->cids, m);
		memcpy(s->cids.v + s->cids.n, out->v + start, m * sizeof *out->v);
		s->cids.n += m;
	}
}

/* w[0..n) to ids through the cache: bl_bpe for byte-level models, else
 * sp_bpe; room >= n bytes can be read from w. Words of up to CACHE_MAX
 * bytes are cached. A hit is handled here, inline in the scan; words of up
 * to 16 bytes are told apart by their key and length alone (short_key),
 * so a hit on one compares two 64-bit words. */
static inline __attribute__((always_inline)) void encode_cached(tok_state *s, const char *w, size_t n, size_t room,
								 tok_ids *out)
{
	uint64_t h, k[2] = { 0, 0 };
	cache_ent *ce = NULL;
	if (n <= 16) {
		short_key(w, n, room, k);
		h = short_hash(k);
		ce = &s->cache[h];
		if (ce->klen == n && load64(ce->key) == k[0] && load64(ce->key + 8) == k[1]) goto hit;
	} else {
		h = XXH3_64bits(w, n);
		if (n <= CACHE_MAX) {
			ce = &s->cache[h & (((size_t)1 << CACHE_BITS) - 1)];
			if (ce->h == h && ce->klen == n && !memcmp(n <= CK_IN ? ce->key : s->ckeys.p + ce->koff, w, n)) goto hit;
		}
	}
	encode_miss(s, w, n, out, ce, h, k);
	return;
hit:;
	uint32_t m = ce->in;
	if (m <= CI_IN) {
		/* a fixed-size copy: ids past m are written but not counted */
		ids_reserve(out, CI_IN);
		memcpy(out->v + out->n, ce->ids, sizeof ce->ids);
	} else {
		ids_reserve(out, m);
		memcpy(out->v + out->n, s->cids.v + ce->ioff, m * sizeof *out->v);
	}
	out->n += m;
}

/* One piece of a cut word: a single class character (one ASCII byte, or
 * U+2581's three: told by its bytes, so the scan needs no class for it)
 * with a vocab entry is its own token; any other piece goes through the
 * cache. */
static inline __attribute__((always_inline)) void piece(tok_state *s, const char *w, size_t n, size_t room, tok_ids *out)
{
	const unsigned char *u = (const unsigned char *)w;
	const int32_t id = n == 1 && u[0] < 0x80 ? s->t->cls_id[u[0]] : n == 3 && is_sp(u, 3) ? s->t->cls_id[CL_SP] : -1;
	if (id >= 0) ids_push(out, id);
	else encode_cached(s, w, n, room, out);
}

/* The first i' >= i where the pair (u[i' - 1], u[i']) stops the scan (see
 * tok.h's cut), or n; i >= 1. Four pairs a round, the end tested once. */
static inline size_t scan_pairs(const unsigned char *cut, const unsigned char *u, size_t i, size_t n)
{
	for (; i + 4 <= n; i += 4) {
		if (cut[load16(u + i - 1)]) return i;
		if (cut[load16(u + i)]) return i + 1;
		if (cut[load16(u + i + 1)]) return i + 2;
		if (cut[load16(u + i + 2)]) return i + 3;
	}
	for (; i < n; i++)
		if (cut[load16(u + i - 1)]) return i;
	return n;
}

/* From u[*ip], after a class character (ASCII or U+2581, so u[*ip - 1] is
 * ASCII or 0x81), over class characters to the first barrier (S_CUT: *ip
 * is the character after it), another character (S_OTHER: *ip is where
 * it starts) or the end (S_END); the class of the character before *ip is
 * then u[*ip - 1]'s (0x81: U+2581). The scan passes 0xE2 0x96 0x81 only in
 * that order after a class character, so the bytes it passed are whole
 * class characters but for a U+2581 look-alike it stopped inside (0xE2
 * 0x96 then another byte, or 0xE2 at the end): it steps back to that
 * character's first byte. */
enum { S_END, S_CUT, S_OTHER };
static inline int scan_class(const tok *t, const unsigned char *u, size_t n, size_t *ip)
{
	size_t i = scan_pairs(t->cut, u, *ip, n);
	int r = i >= n ? S_END : u[i] < 0x80 || is_sp(u + i, n - i) ? S_CUT : S_OTHER;
	if (r != S_CUT) {
		if (u[i - 1] == 0xE2) i--, r = S_OTHER;
		else if (u[i - 1] == 0x96) i -= 2, r = S_OTHER;
	}
	*ip = i;
	return r;
}

/* A word of a model without ByteLevel: cut at its barriers (see
 * find_barriers) and each piece encoded alone. */
static __attribute__((noinline)) void sp_word(tok_state *s, const char *w, size_t n, size_t room, tok_ids *out)
{
	const tok *t = s->t;
	if (t->ignore_merges) {
		/* a whole word in the vocab is one token; its pieces are not */
		int32_t v = sm_get(&t->vocab, w, n);
		if (v >= 0) { ids_push(out, v); return; }
	}
	/* counting to a bound: a long word stops once past it, when it has more
	 * than lim ids (the bound's room left; when none is left, once it has
	 * any) */
	const size_t lim = out != &s->wids ? SIZE_MAX : s->limit > s->count ? s->limit - s->count : 0;
	const unsigned char *u = (const unsigned char *)w;
	/* pc, pk, pl, pi: class, kind, length and offset of the previous
	 * character. Kinds of the other class's characters are looked up only
	 * when needed (-1: not yet); an unknown kind is taken as not inert,
	 * which only loses cuts. */
	size_t st = 0, l, pi = 0, pl, i;
	int pc = char_class(w, n, &pl), pk = pc < CL_OTHER ? t->kind[pc] : -1;
	for (i = pl; i < n;) {
		if (pc < CL_OTHER) {
			int r;
			while ((r = scan_class(t, u, n, &i)) == S_CUT) {
				piece(s, w + st, i - st, room - st, out);
				st = i;
				if (out->n > lim) return;
				/* the scan reads on from the pair after the cut's first
				 * byte (at the end, it finds the end) */
				i++;
			}
			if (r == S_END) break;
			pc = u[i - 1] < 0x80 ? u[i - 1] : CL_SP;
			pi = i - (pc == CL_SP ? 3 : 1);
			pl = pc == CL_SP ? 3 : 1;
			pk = t->kind[pc];
		}
		int c = char_class(w + i, n - i, &l), k = c < CL_OTHER ? t->kind[c] : -1;
		int cut = 0;
		if (c < CL_OTHER && pc < CL_OTHER) cut = barrier(t, pc, c);
		else if (pk == K_INERT || k == K_INERT) cut = 1;
		else if (!t->pair[pc][c]) {
			if (pk < 0) pk = char_kind(t, w + pi, pl);
			if (pk == K_VOCAB && k < 0) k = char_kind(t, w + i, l);
			cut = pk == K_VOCAB && k == K_VOCAB;
		}
		if (cut) {
			piece(s, w + st, i - st, room - st, out);
			st = i;
			if (out->n > lim) return;
		}
		pc = c;
		pk = k;
		pi = i;
		pl = l;
		i += l;
	}
	encode_cached(s, w + st, n - st, room - st, out);
}

/* A word (a piece after pre-tokenization) to ids. A byte-level word is
 * looked up in the cache here, so that a hit runs in this small function. */
void tok_encode_word(tok_state *s, const char *w, size_t n, size_t room, tok_ids *out)
{
	if (s->t->byte_level) encode_cached(s, w, n, room, out);
	else sp_word(s, w, n, room, out);
}
