/* decontam.c — benchmark index and matcher; the contract is in decontam.h. */
#include "decontam.h"

#include <stdlib.h>
#include <string.h>

#include "decontam_priv.h"

#define LEN_K 0xd6e8feb86659fd93ull      /* mixes a short key's length in */

void decontam_opts_default(decontam_opts *o)
{
	o->ngram = 8;
	o->long_tokens = 20;
	o->min_tokens = 4;
	o->max_postings = 32;
	o->bench_items = 2;
	o->coverage = 0.5;
	o->short_coverage = 0.75;
}

/* ---- the index -------------------------------------------------------- */

enum { CLS_LONG = 1, CLS_SHORT, CLS_GENERIC };

typedef struct seg {
	uint32_t item, ntok, total;   /* total: n-grams indexed (long) */
	uint16_t field;
	uint8_t cls;
} seg;

typedef struct pair { uint64_t key; uint32_t seg, pad; } pair;
typedef struct slot { uint64_t key; uint32_t start, count; } slot;

/* a key -> postings table with two filters in front: a bit set of a few
 * bits a key, sized to stay in L2 (the common case, a record's n-gram in no
 * benchmark, mostly ends there), then a blocked Bloom filter */
typedef struct table {
	slot *s;
	uint64_t mask;
	uint32_t *post;
	uint64_t *bloom;
	uint64_t bmask;            /* words - 1 */
	uint64_t *pre;             /* the bit set, 2^pbits bits */
	int pshift;                /* 64 - log2 of its words */
	size_t nkeys, npost;
} table;

struct decontam_index {
	decontam_opts o;
	decontam_bench_stats *bench;
	int nbench;
	struct { uint32_t bench; char *id; } *items;
	size_t nitems, icap;
	seg *segs;
	size_t nsegs, scap;
	char **fields;
	int nfields;
	pair *lp, *sp;             /* long n-grams, short texts, until built */
	size_t nlp, lcap, nsp, spcap;
	table lt, st;
	uint64_t bw;               /* POLY_B^ngram */
	uint64_t *bpow;            /* POLY_B^l, l < long_tokens */
	int built;
	decontam_toks tk;
	strbuf tmp;
};

decontam_index *decontam_index_new(const decontam_opts *opts)
{
	decontam_index *ix = xcalloc(1, sizeof *ix);
	if (opts) ix->o = *opts;
	else decontam_opts_default(&ix->o);
	if (ix->o.ngram < 1) ix->o.ngram = 1;
	if (ix->o.long_tokens < ix->o.ngram) ix->o.long_tokens = ix->o.ngram;
	if (ix->o.min_tokens < 1) ix->o.min_tokens = 1;
	ix->bpow = xmalloc((size_t)ix->o.long_tokens * sizeof *ix->bpow);
	ix->bpow[0] = 1;
	for (int k = 1; k < ix->o.long_tokens; k++) ix->bpow[k] = ix->bpow[k - 1] * POLY_B;
	uint64_t b = 1;
	for (int k = 0; k < ix->o.ngram; k++) b *= POLY_B;
	ix->bw = b;
	return ix;
}

static void table_free(table *t)
{
	free(t->s); free(t->post); free(t->bloom); free(t->pre);
	memset(t, 0, sizeof *t);
}

void decontam_index_free(decontam_index *ix)
{
	if (!ix) return;
	for (int b = 0; b < ix->nbench; b++) free((char *)ix->bench[b].name);
	free(ix->bench);
	for (size_t i = 0; i < ix->nitems; i++) free(ix->items[i].id);
	free(ix->items);
	free(ix->segs);
	for (int f = 0; f < ix->nfields; f++) free(ix->fields[f]);
	free(ix->fields);
	free(ix->lp); free(ix->sp); free(ix->bpow);
	table_free(&ix->lt); table_free(&ix->st);
	decontam_toks_free(&ix->tk);
	strbuf_free(&ix->tmp);
	free(ix);
}

static uint16_t field_id(decontam_index *ix, const char *name)
{
	for (int f = 0; f < ix->nfields; f++)
		if (!strcmp(ix->fields[f], name)) return (uint16_t)f;
	ix->fields = xrealloc(ix->fields, (size_t)(ix->nfields + 1) * sizeof *ix->fields);
	ix->fields[ix->nfields] = xstrdup(name);
	return (uint16_t)ix->nfields++;
}

static void push_pair(pair **p, size_t *n, size_t *cap, uint64_t key, uint32_t s)
{
	if (*n == *cap) xgrow((void **)p, cap, *n + 1, sizeof **p);
	(*p)[*n].key = key;
	(*p)[*n].seg = s;
	(*p)[*n].pad = 0;
	(*n)++;
}

/* the key of a short text: its words' polynomial hash with the length mixed in */
static inline uint64_t short_key(uint64_t poly, size_t len) { return fmix64(poly + (uint64_t)len * LEN_K); }

/* Cut text into the segment of field f of the last item. */
static void add_segment(decontam_index *ix, int b, const char *field, const char *s, size_t n, int long_only)
{
	decontam_bench_stats *bs = &ix->bench[b];
	decontam_toks *t = &ix->tk;
	t->n = 0;
	decontam_tokenize(s, n, t);
	if (!t->n) { bs->seg_empty++; return; }
	if (t->n < (size_t)(long_only ? ix->o.long_tokens : ix->o.min_tokens)) { bs->seg_too_short++; return; }
	if (ix->nsegs == ix->scap) xgrow((void **)&ix->segs, &ix->scap, ix->nsegs + 1, sizeof *ix->segs);
	uint32_t si = (uint32_t)ix->nsegs++;
	seg *g = &ix->segs[si];
	g->item = (uint32_t)ix->nitems - 1;
	g->ntok = (uint32_t)t->n;
	g->total = 0;
	g->field = field_id(ix, field);
	if (t->n < (size_t)ix->o.long_tokens) {
		g->cls = CLS_SHORT;
		uint64_t p = 0;
		for (size_t k = 0; k < t->n; k++) p = p * POLY_B + t->hash[k];
		push_pair(&ix->sp, &ix->nsp, &ix->spcap, short_key(p, t->n), si);
		return;
	}
	g->cls = CLS_LONG;
	size_t w = (size_t)ix->o.ngram;
	uint64_t h = 0;
	for (size_t k = 0; k < t->n; k++) {
		h = h * POLY_B + t->hash[k];
		if (k >= w) h -= t->hash[k - w] * ix->bw;
		if (k + 1 >= w) push_pair(&ix->lp, &ix->nlp, &ix->lcap, key_mix(h), si);
	}
}

static void add_item(decontam_index *ix, int b, const char *id)
{
	if (ix->nitems == ix->icap) xgrow((void **)&ix->items, &ix->icap, ix->nitems + 1, sizeof *ix->items);
	ix->items[ix->nitems].bench = (uint32_t)b;
	ix->items[ix->nitems].id = xstrdup(id);
	ix->nitems++;
	ix->bench[b].items++;
}

/* ---- benchmark files -------------------------------------------------- */

/* Known layouts, tried in order, recognised by the fields they need. Field
 * choices follow the publishers' READMEs: HumanEval's prompt and solution
 * (and the solution under its `def` line, as an answer would show it), MBPP's
 * text, code and asserts, the problem statement elsewhere. Answers alone
 * (short numbers) and test inputs (HumanEval+'s base_input) are not indexed. */
typedef struct layout {
	const char *name;
	const char *need[3];
	const char *use[3];
	uint8_t long_only[3];   /* no whole match for a short text: a bare body ("return sorted(l)") is an idiom */
	int def_line;    /* add "def+canonical_solution" */
} layout;

static const layout layouts[] = {
	{"humaneval", {"prompt", "canonical_solution"}, {"prompt", "canonical_solution"}, {0, 1, 0}, 1},
	{"mbpp", {"text", "code"}, {"text", "code", "test_list"}, {0, 0, 0}, 0},
	{"mbpp-sanitized", {"prompt", "code", "test_list"}, {"prompt", "code", "test_list"}, {0, 0, 0}, 0},
	{"livecodebench", {"question_content"}, {"question_content"}, {0, 0, 0}, 0},
	{"math", {"problem"}, {"problem"}, {0, 0, 0}, 0},
	{"gsm8k", {"question"}, {"question"}, {0, 0, 0}, 0},
	{"ifeval", {"prompt"}, {"prompt"}, {0, 0, 0}, 0},
};
#define NLAYOUTS (int)(sizeof layouts / sizeof *layouts)

/* Field value as text into out: a string decoded, an array's strings joined
 * by newlines (MBPP's test_list); 0 when there is no text. */
static int field_text(const json_doc *d, uint32_t v, strbuf *out)
{
	strbuf_reset(out);
	if (json_type_of(d, v) == JSON_STRING) { json_str_append(d, v, out); return 1; }
	if (json_type_of(d, v) != JSON_ARRAY) return 0;
	int any = 0;
	JSON_FOR_ELEMS(d, v, e, k) {
		if (json_type_of(d, e) != JSON_STRING) continue;
		if (any) strbuf_putc(out, '\n');
		json_str_append(d, e, out);
		any = 1;
	}
	return any;
}

/* The `def NAME(` line of a HumanEval prompt (to the line that ends the
 * signature with ':'), or the last `def` line when NAME is absent. */
static int def_line(const char *p, size_t n, const char *name, size_t nl, size_t *st, size_t *en)
{
	size_t at = n;
	for (size_t i = 0; i + 4 <= n; i++) {
		if (memcmp(p + i, "def ", 4) || (i && p[i - 1] != '\n' && p[i - 1] != ' ' && p[i - 1] != '\t')) continue;
		if (nl && (i + 4 + nl >= n || memcmp(p + i + 4, name, nl) || p[i + 4 + nl] != '(')) { continue; }
		at = i;
		if (nl) break;
	}
	if (at == n) return 0;
	size_t e = at;
	for (int lines = 0; e < n && lines < 8; lines++) {
		const char *nlp = memchr(p + e, '\n', n - e);
		size_t le = nlp ? (size_t)(nlp - p) : n;
		size_t q = le;
		while (q > e && (p[q - 1] == ' ' || p[q - 1] == '\r')) q--;
		e = le;
		if (q > at && p[q - 1] == ':') break;
		if (e < n) e++;
	}
	*st = at;
	*en = e;
	return 1;
}

static const char *const id_keys[] = {"task_id", "id", "unique_id", "question_id", "idx", "eval_instance_index"};

static void item_id(const json_doc *d, uint32_t obj, const char *unit, uint64_t no, strbuf *out)
{
	strbuf_reset(out);
	for (size_t k = 0; k < sizeof id_keys / sizeof *id_keys; k++) {
		uint32_t v = json_get(d, obj, id_keys[k]);
		int ty = json_type_of(d, v);
		if (ty == JSON_STRING && d->nodes[v].len) { json_str_append(d, v, out); return; }
		if (ty == JSON_NUMBER) { size_t l; const char *r = json_raw(d, v, &l); strbuf_put(out, r, l); return; }
	}
	strbuf_printf(out, "%s %llu", unit, (unsigned long long)no);
}

static void list_fields(const json_doc *d, uint32_t obj, strbuf *out)
{
	int k = 0;
	JSON_FOR_MEMBERS(d, obj, key, val, m) {
		(void)val;
		if (k++) strbuf_puts(out, ", ");
		if (k > 24) { strbuf_puts(out, "..."); break; }
		json_str_append(d, key, out);
	}
	if (!k) strbuf_puts(out, "none");
}

typedef struct loader {
	decontam_index *ix;
	int b;
	const layout *lay;           /* NULL: the caller's fields */
	const char *const *fields;
	int nfields;
	strbuf txt, id;
} loader;

static int load_object(loader *L, const json_doc *d, uint32_t obj, const char *unit, uint64_t no,
                       const char *path, char *err, size_t errlen)
{
	decontam_index *ix = L->ix;
	if (json_type_of(d, obj) != JSON_OBJECT)
		return util_err_set(err, errlen, "%s: %s %llu: expected a JSON object", path, unit, (unsigned long long)no), DECONTAM_ERR_DATA;
	if (!L->lay && !L->fields) {
		for (int k = 0; k < NLAYOUTS && !L->lay; k++) {
			int ok = 1;
			for (int f = 0; f < 3 && layouts[k].need[f]; f++)
				if (json_get(d, obj, layouts[k].need[f]) == JSON_NONE) ok = 0;
			if (ok) L->lay = &layouts[k];
		}
		if (!L->lay) {
			strbuf f = STRBUF_INIT;
			list_fields(d, obj, &f);
			util_err_set(err, errlen, "%s: no known benchmark layout (fields: %s); name the fields with --field", path, f.p);
			strbuf_free(&f);
			return DECONTAM_ERR_LAYOUT;
		}
		ix->bench[L->b].layout = L->lay->name;
	}
	item_id(d, obj, unit, no, &L->id);
	add_item(ix, L->b, L->id.p);
	int nf = L->lay ? 3 : L->nfields;
	for (int f = 0; f < nf; f++) {
		const char *name = L->lay ? L->lay->use[f] : L->fields[f];
		if (!name) break;
		if (!field_text(d, json_get(d, obj, name), &L->txt)) { ix->bench[L->b].seg_empty++; continue; }
		add_segment(ix, L->b, name, L->txt.p, L->txt.len, L->lay && L->lay->long_only[f]);
	}
	if (L->lay && L->lay->def_line) {
		strbuf pr = STRBUF_INIT, ep = STRBUF_INIT;
		size_t st, en;
		if (field_text(d, json_get(d, obj, "prompt"), &pr)) {
			if (!field_text(d, json_get(d, obj, "entry_point"), &ep)) strbuf_reset(&ep);
			if (def_line(pr.p, pr.len, ep.p ? ep.p : "", ep.len, &st, &en) &&
			    field_text(d, json_get(d, obj, "canonical_solution"), &L->txt)) {
				strbuf_reset(&ep);
				strbuf_put(&ep, pr.p + st, en - st);
				strbuf_putc(&ep, '\n');
				strbuf_put(&ep, L->txt.p, L->txt.len);
				add_segment(ix, L->b, "def+canonical_solution", ep.p, ep.len, 0);
			}
		}
		strbuf_free(&pr);
		strbuf_free(&ep);
	}
	return 0;
}

int decontam_add_benchmark(decontam_index *ix, const char *name, const char *path, const char *text, size_t len,
                     const char *const *fields, int nfields, char *err, size_t errlen)
{
	if (ix->built) return util_err_set(err, errlen, "%s: the index is already built", path), DECONTAM_ERR_DATA;
	ix->bench = xrealloc(ix->bench, (size_t)(ix->nbench + 1) * sizeof *ix->bench);
	int b = ix->nbench++;
	memset(&ix->bench[b], 0, sizeof ix->bench[b]);
	ix->bench[b].name = xstrdup(name);
	ix->bench[b].layout = fields ? "fields" : "unknown";
	loader L = {ix, b, NULL, fields, fields ? nfields : 0, STRBUF_INIT, STRBUF_INIT};
	json_doc d;
	json_doc_init(&d);
	int rc = 0;
	size_t i = 0;
	while (i < len && (text[i] == ' ' || text[i] == '\t' || text[i] == '\n' || text[i] == '\r')) i++;
	if (i < len && text[i] == '[') {
		/* one JSON array of objects (MBPP's sanitized-mbpp.json) */
		if (json_parse(&d, text, len))
			rc = (util_err_set(err, errlen, "%s: byte %zu: %s", path, d.err_off, d.err), DECONTAM_ERR_DATA);
		else if (json_type_of(&d, 0) != JSON_ARRAY)
			rc = (util_err_set(err, errlen, "%s: expected a JSON array of objects", path), DECONTAM_ERR_DATA);
		else
			JSON_FOR_ELEMS(&d, 0, e, k) {
				if ((rc = load_object(&L, &d, e, "element", (uint64_t)k + 1, path, err, errlen))) break;
			}
	} else {
		uint64_t lineno = 0;
		for (size_t p = 0; p < len && !rc;) {
			const char *nl = memchr(text + p, '\n', len - p);
			size_t e = nl ? (size_t)(nl - text) : len;
			lineno++;
			size_t q = p;
			while (q < e && (text[q] == ' ' || text[q] == '\t' || text[q] == '\r')) q++;
			if (q < e) {
				if (json_parse(&d, text + p, e - p)) {
					rc = (util_err_set(err, errlen, "%s:%llu: %s", path, (unsigned long long)lineno, d.err), DECONTAM_ERR_DATA);
				} else if (json_type_of(&d, 0) != JSON_OBJECT) {
					rc = (util_err_set(err, errlen, "%s:%llu: expected a JSON object", path, (unsigned long long)lineno), DECONTAM_ERR_DATA);
				} else {
					rc = load_object(&L, &d, 0, "line", lineno, path, err, errlen);
				}
			}
			p = e + 1;
		}
	}
	if (!rc && !ix->bench[b].items)
		rc = (util_err_set(err, errlen, "%s: no benchmark items", path), DECONTAM_ERR_DATA);
	json_doc_free(&d);
	strbuf_free(&L.txt);
	strbuf_free(&L.id);
	return rc ? rc : b;
}

/* ---- building the tables ---------------------------------------------- */

static size_t pow2_at_least(size_t n)
{
	size_t c = 16;
	while (c < n) c <<= 1;
	return c;
}

/* A blocked Bloom filter: three bits of one 64-bit word per key, so a key
 * absent from the index (nearly every n-gram of a record) costs one load. */
static inline uint64_t bloom_bits(uint64_t key)
{
	return 1ull << (key >> 40 & 63) | 1ull << (key >> 46 & 63) | 1ull << (key >> 52 & 63);
}
static inline int bloom_has(const table *t, uint64_t key)
{
	uint64_t b = bloom_bits(key);
	return (t->bloom[key & t->bmask] & b) == b;
}

/* The bit set: two bits of one 64-bit word a key, all from the high bits
 * of the key's own multiply (which every bit of the key reaches), so
 * independent of the bits the Bloom filter and the slots use. */
static inline uint64_t pre_mix(uint64_t key) { return key * 0x9e3779b97f4a7c15ull; }
static inline const uint64_t *pre_word(const table *t, uint64_t x) { return &t->pre[x >> t->pshift]; }
static inline uint64_t pre_bits(const table *t, uint64_t x)
{
	return 1ull << (x >> (t->pshift - 6) & 63) | 1ull << (x >> (t->pshift - 12) & 63);
}
static inline int pre_has(const table *t, uint64_t key)
{
	uint64_t x = pre_mix(key), b = pre_bits(t, x);
	return (*pre_word(t, x) & b) == b;
}

/* the slot of key, or NULL; the bit set already passed */
static inline const slot *table_get_bloom(const table *t, uint64_t key)
{
	if (!bloom_has(t, key)) return NULL;
	for (uint64_t i = (key >> 17) & t->mask;; i = (i + 1) & t->mask) {
		if (t->s[i].key == key) return &t->s[i];
		if (!t->s[i].key) return NULL;
	}
}

static inline const slot *table_get(const table *t, uint64_t key)
{
	if (!t->nkeys || !pre_has(t, key)) return NULL;
	return table_get_bloom(t, key);
}

/* Keys from sorted, unique pairs p[0..n) where keep[k] says which survive. */
static void table_fill(table *t, const pair *p, size_t n, const uint8_t *keep)
{
	size_t nk = 0, np = 0;
	for (size_t i = 0; i < n;) {
		size_t j = i, kept = 0;
		for (; j < n && p[j].key == p[i].key; j++) kept += keep[j];
		np += kept;
		nk += kept > 0;
		i = j;
	}
	t->nkeys = nk;
	t->npost = np;
	if (!nk) return;
	size_t cap = pow2_at_least(nk * 2);
	t->s = xcalloc(cap, sizeof *t->s);
	t->mask = cap - 1;
	t->post = xmalloc(np * sizeof *t->post);
	size_t words = pow2_at_least(nk / 4 + 1);   /* 16 bits a key */
	t->bloom = xcalloc(words, sizeof *t->bloom);
	t->bmask = words - 1;
	int pwords = 1;   /* log2 of the bit set's words: 4 bits a key, 512 KB at most */
	while (pwords < 16 && ((size_t)64 << pwords) < nk * 4) pwords++;
	t->pre = xcalloc((size_t)1 << pwords, sizeof *t->pre);
	t->pshift = 64 - pwords;
	size_t w = 0;
	for (size_t i = 0; i < n;) {
		size_t j = i, w0 = w;
		for (; j < n && p[j].key == p[i].key; j++)
			if (keep[j]) t->post[w++] = p[j].seg;
		if (w > w0) {
			uint64_t key = p[i].key;
			uint64_t h = (key >> 17) & t->mask;
			while (t->s[h].key) h = (h + 1) & t->mask;
			t->s[h].key = key;
			t->s[h].start = (uint32_t)w0;
			t->s[h].count = (uint32_t)(w - w0);
			t->bloom[key & t->bmask] |= bloom_bits(key);
			uint64_t x = pre_mix(key);
			t->pre[x >> t->pshift] |= pre_bits(t, x);
		}
		i = j;
	}
}

/* Sort pairs by key, then segment: an LSD radix sort on the key, a byte a
 * pass (passes where every key has the same byte skipped), which is stable,
 * and the pairs come in segment order, as the segments were added. Then
 * drop repeats (an n-gram twice in one segment). */
static size_t sort_unique(pair *p, size_t n)
{
	if (!n) return 0;
	pair *tmp = xmalloc(n * sizeof *tmp), *src = p, *dst = tmp;
	for (int shift = 0; shift < 64; shift += 8) {
		size_t count[256] = {0};
		for (size_t i = 0; i < n; i++) count[src[i].key >> shift & 255]++;
		if (count[src[0].key >> shift & 255] == n) continue;
		size_t at = 0;
		for (int d = 0; d < 256; d++) {
			size_t c = count[d];
			count[d] = at;
			at += c;
		}
		for (size_t i = 0; i < n; i++) dst[count[src[i].key >> shift & 255]++] = src[i];
		pair *t = src;
		src = dst;
		dst = t;
	}
	if (src != p) memcpy(p, src, n * sizeof *p);
	free(tmp);
	size_t w = 1;
	for (size_t i = 1; i < n; i++)
		if (p[i].key != p[w - 1].key || p[i].seg != p[w - 1].seg) p[w++] = p[i];
	return w;
}

void decontam_index_build(decontam_index *ix)
{
	if (ix->built) return;
	ix->built = 1;
	/* long segments: an n-gram in more than max_postings segments is boilerplate */
	size_t n = sort_unique(ix->lp, ix->nlp);
	uint8_t *keep = xmalloc(n ? n : 1);
	for (size_t i = 0; i < n;) {
		size_t j = i;
		while (j < n && ix->lp[j].key == ix->lp[i].key) j++;
		int ok = j - i <= (size_t)ix->o.max_postings;
		for (size_t k = i; k < j; k++) {
			/* an n-gram more than bench_items items of one benchmark
			 * share is that benchmark's boilerplate ("Enter your answer
			 * in the form ...", MBPP's shared helper functions) */
			int mine = ok, others = 0;
			const seg *g = &ix->segs[ix->lp[k].seg];
			uint32_t last = UINT32_MAX;
			for (size_t q = i; q < j && mine; q++) {
				const seg *h = &ix->segs[ix->lp[q].seg];
				if (h->item != g->item && h->item != last && ix->items[h->item].bench == ix->items[g->item].bench) {
					last = h->item;
					if (++others >= ix->o.bench_items) mine = 0;
				}
			}
			keep[k] = (uint8_t)mine;
			if (mine) ix->segs[ix->lp[k].seg].total++;
		}
		i = j;
	}
	table_fill(&ix->lt, ix->lp, n, keep);
	free(keep);
	free(ix->lp); ix->lp = NULL; ix->nlp = ix->lcap = 0;
	/* short segments: a text two items of one benchmark share is generic */
	n = sort_unique(ix->sp, ix->nsp);
	keep = xmalloc(n ? n : 1);
	for (size_t i = 0; i < n;) {
		size_t j = i;
		while (j < n && ix->sp[j].key == ix->sp[i].key) j++;
		for (size_t k = i; k < j; k++) {
			const seg *g = &ix->segs[ix->sp[k].seg];
			uint32_t bk = ix->items[g->item].bench;
			int ok = 1;
			for (size_t q = i; q < j && ok; q++) {
				const seg *h = &ix->segs[ix->sp[q].seg];
				if (q != k && h->item != g->item && ix->items[h->item].bench == bk) ok = 0;
			}
			keep[k] = (uint8_t)ok;
			if (!ok) ix->segs[ix->sp[k].seg].cls = CLS_GENERIC;
		}
		i = j;
	}
	table_fill(&ix->st, ix->sp, n, keep);
	free(keep);
	free(ix->sp); ix->sp = NULL; ix->nsp = ix->spcap = 0;
	for (size_t s = 0; s < ix->nsegs; s++) {
		seg *g = &ix->segs[s];
		decontam_bench_stats *bs = &ix->bench[ix->items[g->item].bench];
		if (g->cls == CLS_LONG && !g->total) g->cls = CLS_GENERIC;
		if (g->cls == CLS_LONG) bs->seg_long++;
		else if (g->cls == CLS_SHORT) bs->seg_short++;
		else bs->seg_generic++;
	}
	decontam_toks_free(&ix->tk);
	strbuf_free(&ix->tmp);
}

int decontam_nbench(const decontam_index *ix) { return ix->nbench; }
const decontam_bench_stats *decontam_bench(const decontam_index *ix, int b) { return &ix->bench[b]; }
int decontam_item_bench(const decontam_index *ix, uint32_t item) { return (int)ix->items[item].bench; }
const char *decontam_item_id(const decontam_index *ix, uint32_t item) { return ix->items[item].id; }
uint32_t decontam_nitems(const decontam_index *ix) { return (uint32_t)ix->nitems; }

size_t decontam_index_bytes(const decontam_index *ix)
{
	size_t b = ix->nsegs * sizeof *ix->segs + ix->nitems * sizeof *ix->items;
	const table *ts[2] = {&ix->lt, &ix->st};
	for (int k = 0; k < 2; k++)
		if (ts[k]->nkeys)
			b += (ts[k]->mask + 1) * sizeof(slot) + ts[k]->npost * 4 + (ts[k]->bmask + 1) * 8 +
			     ((size_t)8 << (64 - ts[k]->pshift));
	return b;
}

/* ---- matching --------------------------------------------------------- */

typedef struct cand {
	uint32_t seg, found, slot;
	int whole;
	char excerpt[DECONTAM_EXCERPT + 1];
} cand;

struct decontam_matcher {
	const decontam_index *ix;
	decontam_toks t;
	strbuf dec;
	uint32_t *cmap;            /* seg -> cand index + 1, open addressing */
	size_t cmask;
	cand *c;
	size_t nc, ccap;
	uint64_t *seen;            /* n-gram keys of this record that hit */
	uint32_t *seen_at;
	size_t smask, nseen;
	decontam_hit *hits;
	size_t nhits, hcap;
	uint64_t *keys;            /* a text's n-gram keys */
	uint32_t *kat;             /* ... and the word each starts at, once filtered */
	size_t kcap;
	uint64_t *pre;             /* a text's prefix hashes */
	uint32_t *us;              /* ... and its unit starts */
	size_t pcap;
};

decontam_matcher *decontam_matcher_new(const decontam_index *ix)
{
	decontam_matcher *m = xcalloc(1, sizeof *m);
	m->ix = ix;
	m->cmask = 63;
	m->cmap = xcalloc(64, sizeof *m->cmap);
	m->smask = 255;
	m->seen = xcalloc(256, sizeof *m->seen);
	m->seen_at = xmalloc(256 * sizeof *m->seen_at);
	return m;
}

void decontam_matcher_free(decontam_matcher *m)
{
	if (!m) return;
	decontam_toks_free(&m->t);
	strbuf_free(&m->dec);
	free(m->cmap); free(m->c); free(m->seen); free(m->seen_at); free(m->hits); free(m->keys); free(m->kat); free(m->pre); free(m->us);
	free(m);
}

void decontam_match_begin(decontam_matcher *m)
{
	for (size_t i = 0; i < m->nc; i++) m->cmap[m->c[i].slot] = 0;
	m->nc = 0;
	for (size_t i = 0; i < m->nseen; i++) m->seen[m->seen_at[i]] = 0;
	m->nseen = 0;
	m->nhits = 0;
}

/* 1 when key was not yet seen in this record (and is now) */
static int seen_add(decontam_matcher *m, uint64_t key)
{
	if ((m->nseen + 1) * 2 > m->smask + 1) {
		size_t cap = (m->smask + 1) * 2;
		uint64_t *ns = xcalloc(cap, sizeof *ns);
		uint32_t *na = xmalloc(cap * sizeof *na);
		for (size_t i = 0; i < m->nseen; i++) {
			uint64_t k = m->seen[m->seen_at[i]];
			size_t h = k & (cap - 1);
			while (ns[h]) h = (h + 1) & (cap - 1);
			ns[h] = k;
			na[i] = (uint32_t)h;
		}
		free(m->seen); free(m->seen_at);
		m->seen = ns; m->seen_at = na; m->smask = cap - 1;
	}
	size_t h = key & m->smask;
	while (m->seen[h]) {
		if (m->seen[h] == key) return 0;
		h = (h + 1) & m->smask;
	}
	m->seen[h] = key;
	m->seen_at[m->nseen++] = (uint32_t)h;
	return 1;
}

static void excerpt(char *out, const char *s, size_t n)
{
	size_t k = n < DECONTAM_EXCERPT ? n : DECONTAM_EXCERPT;
	while (k && utf8_valid_prefix(s, k) != k) k--;   /* whole characters only */
	size_t w = 0;
	for (size_t i = 0; i < k; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c < 0x20 || c == 0x7f) c = ' ';
		if (c == ' ' && w && out[w - 1] == ' ') continue;
		out[w++] = (char)c;
	}
	out[w] = 0;
}

static cand *cand_get(decontam_matcher *m, uint32_t seg, const char *s, size_t n, size_t at)
{
	if ((m->nc + 1) * 2 > m->cmask + 1) {
		size_t cap = (m->cmask + 1) * 2;
		free(m->cmap);
		m->cmap = xcalloc(cap, sizeof *m->cmap);
		m->cmask = cap - 1;
		for (size_t i = 0; i < m->nc; i++) {
			size_t h = (m->c[i].seg * 0x9e3779b1u) & m->cmask;
			while (m->cmap[h]) h = (h + 1) & m->cmask;
			m->cmap[h] = (uint32_t)i + 1;
			m->c[i].slot = (uint32_t)h;
		}
	}
	size_t h = (seg * 0x9e3779b1u) & m->cmask;
	while (m->cmap[h]) {
		cand *c = &m->c[m->cmap[h] - 1];
		if (c->seg == seg) return c;
		h = (h + 1) & m->cmask;
	}
	if (m->nc == m->ccap) xgrow((void **)&m->c, &m->ccap, m->nc + 1, sizeof *m->c);
	cand *c = &m->c[m->nc];
	c->seg = seg;
	c->found = 0;
	c->whole = 0;
	c->slot = (uint32_t)h;
	excerpt(c->excerpt, s + at, n - at);
	m->cmap[h] = (uint32_t)++m->nc;
	return c;
}

void decontam_match_text(decontam_matcher *m, const char *s, size_t n)
{
	const decontam_index *ix = m->ix;
	decontam_toks *t = &m->t;
	t->n = 0;
	decontam_tokenize(s, n, t);
	size_t w = (size_t)ix->o.ngram, nt = t->n;
	if (nt + 1 > m->pcap) {
		xgrow((void **)&m->pre, &m->pcap, nt + 1, sizeof *m->pre);
		m->us = xrealloc(m->us, m->pcap * sizeof *m->us);
	}
	/* pre[k]: the polynomial hash of the first k words; the words
	 * i..i+l-1 hash to pre[i + l] - pre[i] * POLY_B^l. The n-gram keys
	 * come in the same loop, each with its bit-set word fetched at once. */
	uint64_t *pre = m->pre;
	const table *lt = &ix->lt;
	size_t nk = lt->nkeys && nt >= w ? nt - w + 1 : 0;
	if (nk > m->kcap) {
		xgrow((void **)&m->keys, &m->kcap, nk, sizeof *m->keys);
		m->kat = xrealloc(m->kat, m->kcap * sizeof *m->kat);
	}
	pre[0] = 0;
	for (size_t k = 0; k < nt; k++) {
		pre[k + 1] = pre[k] * POLY_B + t->hash[k];
		if (nk && k + 1 >= w) {
			uint64_t key = key_mix(pre[k + 1] - pre[k + 1 - w] * ix->bw);
			m->keys[k + 1 - w] = key;
			__builtin_prefetch(pre_word(lt, pre_mix(key)));
		}
	}
	if (nk) {
		/* the bit set keeps about one key in twenty (moved to the front
		 * of keys): only those see the Bloom filter and the table */
		size_t nk2 = 0;
		for (size_t k = 0; k < nk; k++) {
			uint64_t key = m->keys[k];
			m->keys[nk2] = key;
			m->kat[nk2] = (uint32_t)k;
			if (pre_has(lt, key)) {
				__builtin_prefetch(&lt->bloom[key & lt->bmask]);
				nk2++;
			}
		}
		for (size_t k = 0; k < nk2; k++) {
			uint64_t key = m->keys[k];
			const slot *sl = table_get_bloom(lt, key);
			if (!sl || !seen_add(m, key)) continue;
			size_t at = t->start[m->kat[k]];
			for (uint32_t p = 0; p < sl->count; p++)
				cand_get(m, lt->post[sl->start + p], s, n, at)->found++;
		}
	}
	if (ix->st.nkeys) {
		/* a short text starts at a unit start and ends at one (or at the
		 * text's end): the pairs of those at most long_tokens - 1 words
		 * apart, each text's hash from the prefix hashes */
		size_t maxl = (size_t)ix->o.long_tokens - 1, minl = (size_t)ix->o.min_tokens, nu = 0;
		for (size_t i = 0; i < nt; i++) {
			m->us[nu] = (uint32_t)i;
			nu += t->unit[i];
		}
		m->us[nu] = (uint32_t)nt;
		for (size_t a = 0; a < nu; a++) {
			size_t i = m->us[a];
			for (size_t b = a + 1; b <= nu && m->us[b] - i <= maxl; b++) {
				size_t l = m->us[b] - i;
				if (l < minl) continue;
				const slot *sl = table_get(&ix->st, short_key(m->pre[i + l] - m->pre[i] * ix->bpow[l], l));
				if (!sl) continue;
				for (uint32_t q = 0; q < sl->count; q++) {
					uint32_t sg = ix->st.post[sl->start + q];
					if (ix->segs[sg].ntok != l) continue;
					cand *c = cand_get(m, sg, s, n, t->start[i]);
					if (!c->whole) { c->whole = 1; c->found = (uint32_t)l; }
				}
			}
		}
	}
}

static int hit_cmp(const void *a, const void *b)
{
	const decontam_hit *x = a, *y = b;
	if (x->score != y->score) return x->score > y->score ? -1 : 1;
	if (x->item != y->item) return x->item < y->item ? -1 : 1;
	return x->seg < y->seg ? -1 : x->seg > y->seg;
}

int decontam_match_end(decontam_matcher *m, const decontam_hit **hits)
{
	const decontam_index *ix = m->ix;
	m->nhits = 0;
	for (size_t i = 0; i < m->nc; i++) {
		const cand *c = &m->c[i];
		const seg *g = &ix->segs[c->seg];
		double score;
		if (c->whole) score = 1.0;
		else {
			if (g->cls != CLS_LONG || !g->total) continue;
			score = (double)c->found / g->total;
			double need = g->total < 2u * (uint32_t)ix->o.long_tokens ? ix->o.short_coverage : ix->o.coverage;
			if (score < need) continue;
		}
		/* one hit per item: its best segment */
		size_t j = 0;
		while (j < m->nhits && m->hits[j].item != g->item) j++;
		if (j < m->nhits && m->hits[j].score >= score) continue;
		if (j == m->nhits) {
			if (m->nhits == m->hcap) xgrow((void **)&m->hits, &m->hcap, m->nhits + 1, sizeof *m->hits);
			m->nhits++;
		}
		decontam_hit *h = &m->hits[j];
		h->item = g->item;
		h->seg = c->seg;
		h->field = ix->fields[g->field];
		h->score = score;
		h->whole = c->whole;
		h->found = c->whole ? g->ntok : c->found;
		h->total = c->whole ? g->ntok : g->total;
		memcpy(h->excerpt, c->excerpt, sizeof h->excerpt);
	}
	if (m->nhits > 1) qsort(m->hits, m->nhits, sizeof *m->hits, hit_cmp);
	*hits = m->hits;
	return (int)m->nhits;
}

static void match_node(decontam_matcher *m, const json_doc *d, uint32_t v)
{
	int ty = json_type_of(d, v);
	if (ty == JSON_STRING) {
		const json_node *nd = json_at(d, v);
		if (nd->flags & JSON_F_ESCAPED) {
			strbuf_reset(&m->dec);
			strbuf_reserve(&m->dec, nd->len + 1);
			m->dec.len = json_str_decode(d, v, m->dec.p);
			decontam_match_text(m, m->dec.p, m->dec.len);
		} else {
			decontam_match_text(m, d->src + nd->off, nd->len);
		}
	} else if (ty == JSON_ARRAY) {
		JSON_FOR_ELEMS(d, v, e, k) match_node(m, d, e);
	} else if (ty == JSON_OBJECT) {
		JSON_FOR_MEMBERS(d, v, key, val, k) { (void)key; match_node(m, d, val); }
	}
}

int decontam_match_record(decontam_matcher *m, const json_doc *d, uint32_t root, const decontam_hit **hits)
{
	decontam_match_begin(m);
	uint32_t msgs = json_get(d, root, "messages");
	if (json_type_of(d, msgs) == JSON_ARRAY) {
		JSON_FOR_ELEMS(d, msgs, e, k) {
			uint32_t c = json_get(d, e, "content");
			if (json_type_of(d, c) == JSON_STRING) match_node(m, d, c);
			else if (json_type_of(d, c) == JSON_ARRAY)
				JSON_FOR_ELEMS(d, c, p, q) match_node(m, d, json_get(d, p, "text"));
		}
	} else {
		match_node(m, d, root);
	}
	return decontam_match_end(m, hits);
}
