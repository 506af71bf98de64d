/* tok.c — the encoding pipeline: added tokens, normalizers, pre-tokenizers,
 * the model. See tok.h and, for the parts, tok_int.h. */
#include "tok/tok_int.h"
#include <stdio.h>

tok_state *tok_state_new(const tok *t)
{
	tok_state *s = xcalloc(1, sizeof *s);
	s->t = t;
	s->md = pcre2_match_data_create(4, NULL);
	int np = t->npre ? t->npre : 1;
	s->sb = xcalloc((size_t)np, sizeof *s->sb);
	s->smd = xcalloc((size_t)np, sizeof *s->smd);
	s->seen = xcalloc((size_t)np, sizeof *s->seen);
	for (int i = 0; i < t->npre; i++) s->smd[i] = pcre2_match_data_create(4, NULL);
	/* on a cache line's boundary: an entry is one line (malloc's 16-byte
	 * alignment put every entry across two, two memory waits a hit); in
	 * huge pages, as a hit lands anywhere in its 8 MB */
	size_t cb = ((size_t)1 << CACHE_BITS) * sizeof *s->cache;
	s->cache = util_alloc_table(cb);
	memset(s->cache, 0, cb);
	return s;
}

void tok_state_free(tok_state *s)
{
	if (!s) return;
	strbuf_free(&s->a);
	strbuf_free(&s->b);
	strbuf_free(&s->tmp);
	free(s->am.v);
	free(s->an.v);
	pcre2_match_data_free(s->md);
	for (int i = 0; i < s->t->npre; i++) { strbuf_free(&s->sb[i]); pcre2_match_data_free(s->smd[i]); }
	free(s->sb);
	free(s->smd);
	free(s->seen);
	tok_ids_free(&s->wids);
	free(s->id); free(s->prv); free(s->nxt);
	free(s->heap);
	strbuf_free(&s->word);
	free(s->cache);
	strbuf_free(&s->ckeys);
	tok_ids_free(&s->cids);
	free(s);
}

void tok_ids_free(tok_ids *ids)
{
	free(ids->v);
	ids->v = NULL;
	ids->n = ids->cap = 0;
}

static inline void emit_id(tok_state *s, int32_t id)
{
	if (s->out) ids_push(s->out, id);
	if (++s->count > s->limit) s->stop = 1;
}

/* Normalize a section of the input between raw added tokens, find the
 * normalized added tokens in it, and encode the text between them. */
static void encode_section(tok_state *s, const char *txt, size_t n, int at0)
{
	const tok *t = s->t;
	const char *cur;
	size_t cn;
	tok_normalize(t, s->md, &s->merr, txt, n, &s->a, &s->b, &s->tmp, &cur, &cn);
	if (!cn) return;
	if (!t->normed.nn) { tok_pretok_encode(s, cur, cn, at0); return; }
	tok_find_added(t, &t->normed, cur, cn, &s->an);
	size_t seg = 0;
	for (size_t k = 0; k < s->an.n && !s->stop; k++) {
		const amatch *m = &s->an.v[k];
		if (m->s > seg) tok_pretok_encode(s, cur + seg, m->s - seg, at0 && seg == 0);
		if (!s->stop) emit_id(s, m->id);
		seg = m->e;
	}
	if (seg < cn) tok_pretok_encode(s, cur + seg, cn - seg, at0 && seg == 0);
}

static size_t encode_all(tok_state *s, const char *text, size_t n, tok_ids *out, size_t limit)
{
	const tok *t = s->t;
	s->out = out;
	s->count = 0;
	s->limit = limit;
	s->stop = 0;
	size_t seg = 0;
	if (t->raw.nn) {
		tok_find_added(t, &t->raw, text, n, &s->am);
		for (size_t k = 0; k < s->am.n && !s->stop; k++) {
			const amatch *m = &s->am.v[k];
			if (m->s > seg) encode_section(s, text + seg, m->s - seg, seg == 0);
			if (!s->stop) emit_id(s, m->id);
			seg = m->e;
		}
	}
	if (seg < n && !s->stop) encode_section(s, text + seg, n - seg, seg == 0);
	s->out = NULL;
	return s->count;
}

size_t tok_encode(tok_state *s, const char *text, size_t n, tok_ids *out)
{
	return encode_all(s, text, n, out, SIZE_MAX);
}

size_t tok_count_bounded(tok_state *s, const char *text, size_t n, size_t limit)
{
	return encode_all(s, text, n, NULL, limit);
}


int tok_state_error(tok_state *s, char *err, size_t errlen)
{
	if (!s->merr) return 0;
	PCRE2_UCHAR m[160];
	if (pcre2_get_error_message(s->merr, m, sizeof m) < 0) snprintf((char *)m, sizeof m, "error %d", s->merr);
	snprintf(err, errlen, "a tokenizer regex failed on this text (PCRE2: %s): the split would be wrong", (const char *)m);
	s->merr = 0;
	return -1;
}
