/* pretok.c — the pre-tokenizers, depth first: each piece through the
 * remaining stages and into the model as soon as it is cut. See tok_int.h. */
#include "tok/tok_int.h"
#include "tok/splitre.h"

static void stage(tok_state *s, int i, const char *txt, size_t off, size_t len, int z, int at0);
static inline void word(tok_state *s, const char *w, size_t n, size_t room);

/* One piece being split by pre-tokenizer i: its text and offset, whether
 * it starts the work text (z), and HF's SplitDelimiterBehavior folding its
 * segments (delimiter matches, m = 1, and the text between) as they come:
 * the piece folded so far (have: ps..pe, pm) and the last segment's m. */
typedef struct splitter {
	tok_state *s;
	int i, z, at0, behavior, inv;
	const char *txt;
	size_t base, prev;      /* prev: the end of the last match, in the piece */
	int have, pm, last;
	size_t ps, pe;
} splitter;

static void fold_emit(splitter *f, size_t a, size_t b)
{
	if (b > a) stage(f->s, f->i + 1, f->txt, f->base + a, b - a, f->z && a == 0, f->at0);
}

/* The segment a..b (offsets in the piece): what HF's folding does with it,
 * one segment at a time (MergedWithNext needs only the one before). */
static void fold_seg(splitter *f, size_t a, size_t b, int m)
{
	switch (f->behavior) {
	case B_REMOVED:
		if (!m) fold_emit(f, a, b);
		return;
	case B_ISOLATED:
		fold_emit(f, a, b);
		return;
	case B_MPREV:      /* a delimiter joins the piece before it */
	case B_CONTIG:     /* runs of delimiters (and of the rest) are one piece */
		if (f->have && (f->behavior == B_MPREV ? m && !f->last : m == f->last)) f->pe = b;
		else {
			if (f->have) fold_emit(f, f->ps, f->pe);
			f->ps = a, f->pe = b, f->have = 1;
		}
		f->last = m;
		return;
	default:           /* B_MNEXT: a delimiter joins the piece after it */
		if (f->have && f->pm && !m) { fold_emit(f, f->ps, b); f->have = 0; return; }
		if (f->have) fold_emit(f, f->ps, f->pe);
		f->ps = a, f->pe = b, f->pm = m, f->have = 1;
		return;
	}
}

static void split_match(void *ctx, size_t a, size_t b)
{
	splitter *f = ctx;
	if (f->prev != a) fold_seg(f, f->prev, a, f->inv);
	fold_seg(f, a, b, !f->inv);
	f->prev = b;
}

static int cls_match(const pre_op *op, uint32_t c)
{
	switch (op->cls) {
	case C_WS: return cp_ws(c);
	case C_PUNCT: return cp_punct(c);
	case C_NUMERIC: return cp_numeric(c);
	default: return c == op->delim;
	}
}

/* Split txt[off..off+len) by pre-tokenizer i and pass each piece to the
 * next stage. Each piece is matched on its own (as HF does: ^, $ and
 * lookarounds see the piece's ends). */
static void split_piece(tok_state *s, int i, const char *txt, size_t off, size_t len, int z, int at0)
{
	const pre_op *op = &s->t->pre[i];
	splitter f = { s, i, z, at0, op->type == P_BYTELEVEL ? B_ISOLATED : op->behavior, op->invert, txt, off, 0, 0, 0, 0, 0, 0 };
	if (op->type == P_CLASS) {
		size_t k;
		for (size_t j = 0; j < len && !s->stop; j += k) {
			uint32_t c = u8dec(txt + off + j, len - j, &k);
			if (!cls_match(op, c)) continue;
			if (f.prev != j) fold_seg(&f, f.prev, j, 0);
			fold_seg(&f, j, j + k, 1);
			f.prev = j + k;
		}
		if (f.prev != len) fold_seg(&f, f.prev, len, 0);
	} else {
		if (op->fast) {
			/* The matches of the cl100k family tile the piece. Isolated
			 * (as the tokenizers that ship them split), each match is a
			 * piece; when the only stage after is a ByteLevel that just
			 * maps bytes (no regex, no prefix space), it goes straight
			 * to the model. */
			const tok *t = s->t;
			const pre_op *nx = i + 1 < t->npre ? &t->pre[i + 1] : NULL;
			int iso = f.behavior == B_ISOLATED;
			int direct = iso && i + 2 == t->npre && nx->type == P_BYTELEVEL && !nx->re && !nx->add_prefix_space;
			size_t ends[64], ne;
			for (size_t j = 0; j < len && !s->stop;) {
				ne = splitre_ends(op->fast, txt + off, len, j, ends, sizeof ends / sizeof *ends);
				for (size_t q = 0; q < ne && !s->stop; j = ends[q++]) {
					const size_t e = ends[q];
					if (direct) word(s, txt + off + j, e - j, len - j);
					else if (iso) stage(s, i + 1, txt, off + j, e - j, z && j == 0, at0);
					else split_match(&f, j, e);
				}
			}
			if (iso) return;
		} else if (op->re) tok_find_iter(op->re, s->smd[i], txt + off, len, split_match, &f, &s->stop, &s->merr);
		else {
			size_t pl = strlen(op->str);
			for (size_t j = 0; j + pl <= len && !s->stop;) {
				const char *h = memmem(txt + off + j, len - j, op->str, pl);
				if (!h) break;
				size_t ms = (size_t)(h - (txt + off));
				split_match(&f, ms, ms + pl);
				j = ms + pl;
			}
		}
		if (f.prev != len) fold_seg(&f, f.prev, len, op->invert);
	}
	if (f.have) fold_emit(&f, f.ps, f.pe);
}

/* A word out of the pre-tokenizers. Counting only, its ids go to a scratch
 * list and are counted; with a bound, a word whose every token would have
 * to be longer than the vocabulary's longest entry to stay within it ends
 * the count unmerged (each token covers at most max_len bytes), so a huge
 * word costs no merge scratch. */
static inline __attribute__((always_inline)) void word(tok_state *s, const char *w, size_t n, size_t room)
{
	const tok *t = s->t;
	if (s->limit != SIZE_MAX && t->max_len && (n - 1) / t->max_len + 1 > s->limit - s->count) {
		s->count += (n - 1) / t->max_len + 1;
		s->stop = 1;
		return;
	}
	if (s->out) {
		size_t before = s->out->n;
		tok_encode_word(s, w, n, room, s->out);
		s->count += s->out->n - before;
		return;
	}
	s->wids.n = 0;
	tok_encode_word(s, w, n, room, &s->wids);
	s->count += s->wids.n;
	s->wids.n = 0;
	if (s->count > s->limit) s->stop = 1;
}

/* Pre-tokenizer i over one piece txt[off..off+len), depth first: its
 * pieces go to stage i + 1, the last stage's to word(). z: the piece starts
 * the work text as HF's pipeline would lay it out (Metaspace's "first");
 * at0: the section starts the input. */
static void stage(tok_state *s, int i, const char *txt, size_t off, size_t len, int z, int at0)
{
	const tok *t = s->t;
	if (s->stop) return;
	if (i == t->npre) { word(s, txt + off, len, len); return; }
	const pre_op *op = &t->pre[i];
	if (op->type == P_SPLIT || op->type == P_CLASS) { split_piece(s, i, txt, off, len, z, at0); return; }
	strbuf *b = &s->sb[i];
	if (op->type == P_BYTELEVEL) {
		if (op->add_prefix_space && txt[off] != ' ') {
			/* a space before each piece that lacks one */
			strbuf_reset(b);
			strbuf_putc(b, ' ');
			strbuf_put(b, txt + off, len);
			txt = b->p, off = 0, len = b->len;
		}
		if (op->re) split_piece(s, i, txt, off, len, z, at0);
		else stage(s, i + 1, txt, off, len, z, at0);
		return;
	}
	/* Metaspace: spaces become the replacement, which is prepended (always,
	 * or to the input's first piece) unless the piece starts with it; with
	 * split, each replacement starts a piece. Its pieces are laid out anew,
	 * so only its first piece of the section starts the work text. */
	int first = !s->seen[i];
	s->seen[i] = 1;
	size_t rl = strlen(op->replacement);
	const char *pp = txt + off;
	int pre = op->prepend == 1 || (op->prepend == 2 && at0 && z);
	strbuf_reset(b);
	if (pre && !(len >= rl && !memcmp(pp, op->replacement, rl)) && !(len && pp[0] == ' '))
		strbuf_put(b, op->replacement, rl);
	for (size_t j = 0; j < len; j++) {
		if (pp[j] == ' ') strbuf_put(b, op->replacement, rl);
		else strbuf_putc(b, pp[j]);
	}
	if (!op->split) { stage(s, i + 1, b->p, 0, b->len, first, at0); return; }
	size_t st = 0;
	for (size_t j = 1; j + rl <= b->len && !s->stop; j++)
		if (!memcmp(b->p + j, op->replacement, rl)) { stage(s, i + 1, b->p, st, j - st, first && st == 0, at0); st = j; }
	stage(s, i + 1, b->p, st, b->len - st, first && st == 0, at0);
}

/* Pre-tokenize txt[0..n) (normalized text between added tokens) and encode
 * its words. at0: the text starts at offset 0 of the input (Metaspace's
 * prepend_scheme "first"). */
void tok_pretok_encode(tok_state *s, const char *txt, size_t n, int at0)
{
	if (!n || s->stop) return;
	memset(s->seen, 0, (size_t)(s->t->npre ? s->t->npre : 1) * sizeof *s->seen);
	stage(s, 0, txt, 0, n, 1, at0);
}
