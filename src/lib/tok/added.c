/* added.c — added tokens: a byte trie, matched as HF's AddedVocabulary. See tok_int.h. */
#include "tok/tok_int.h"

void tok_trie_add(atrie *tr, const char *s, size_t n, int32_t idx)
{
	int32_t node = 0;
	uint32_t child;
	if (!tr->term) { xgrow((void **)&tr->term, &tr->ncap, 1, sizeof *tr->term); tr->term[0] = -1; tr->nn = 1; }
	for (size_t i = 0; i < n; i++) {
		if (!mm_get(&tr->edges, node, (unsigned char)s[i], &child)) {
			child = (uint32_t)tr->nn++;
			/* grown by doubling: a node a byte, and realloc may copy each time (ASan's does) */
			xgrow((void **)&tr->term, &tr->ncap, (size_t)tr->nn, sizeof *tr->term);
			tr->term[child] = -1;
			tok_mm_put(&tr->edges, node, (unsigned char)s[i], child);
		}
		node = (int32_t)child;
	}
	if (tr->term[node] < 0) tr->term[node] = idx;   /* the first of equal contents wins */
	if (!tr->first[(unsigned char)s[0]]) { tr->nfirst++; tr->only = (unsigned char)s[0]; }
	tr->first[(unsigned char)s[0]] = 1;
}

void tok_trie_free(atrie *tr)
{
	free(tr->edges.t);
	free(tr->term);
}

/* Added tokens in txt[0..n), as HF's AddedVocabulary finds them: the
 * leftmost-longest match, then the next after it; a single_word token only
 * between non-word characters; lstrip/rstrip take the whitespace beside it
 * (never what an earlier match took). */
void tok_find_added(const tok *t, const atrie *tr, const char *txt, size_t n, amatches *out)
{
	out->n = 0;
	size_t start_offset = 0;
	for (size_t i = 0; i < n;) {
		if (!tr->first[(unsigned char)txt[i]]) {
			/* every added token of these models starts with '<': jump to the next */
			if (tr->nfirst != 1) { i++; continue; }
			const char *h = memchr(txt + i, tr->only, n - i);
			if (!h) break;
			i = (size_t)(h - txt);
		}
		int32_t node = 0, best = -1;
		uint32_t child;
		size_t blen = 0;
		for (size_t j = i; j < n && mm_get(&tr->edges, node, (unsigned char)txt[j], &child); j++) {
			node = (int32_t)child;
			if (tr->term[node] >= 0) { best = tr->term[node]; blen = j + 1 - i; }
		}
		if (best < 0) { i++; continue; }
		const added_tok *a = &t->added[best];
		size_t s = i, e = i + blen, k;
		i = e;
		if (a->single_word) {
			if (s > 0) {
				size_t bl = u8back(txt, s);
				if (cp_word(u8dec(txt + s - bl, bl, &k))) continue;
			}
			if (e < n && cp_word(u8dec(txt + e, n - e, &k))) continue;
		}
		if (a->lstrip) {
			while (s > start_offset) {
				size_t bl = u8back(txt, s);
				if (!cp_ws(u8dec(txt + s - bl, bl, &k))) break;
				s -= bl;
			}
		}
		if (a->rstrip) while (e < n && cp_ws(u8dec(txt + e, n - e, &k))) e += k;
		if (out->n == out->cap) { out->cap = out->cap ? out->cap * 2 : 16; out->v = xrealloc(out->v, out->cap * sizeof *out->v); }
		out->v[out->n].s = s;
		out->v[out->n].e = e;
		out->v[out->n].id = a->id;
		out->n++;
		start_offset = i = e;
	}
}
