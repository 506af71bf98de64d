/* tables.c — the vocabulary and merge tables. See tok_int.h. */
#include "tok/tok_int.h"

static void sm_grow(strmap *m)
{
	size_t cap = m->cap ? m->cap * 2 : 1024;
	uint32_t *s = xcalloc(cap, sizeof *s);
	for (size_t i = 0; i < m->n; i++) {
		size_t j = m->e[i].h & (cap - 1);
		while (s[j]) j = (j + 1) & (cap - 1);
		s[j] = (uint32_t)i + 1;
	}
	free(m->slots);
	m->slots = s;
	m->cap = cap;
}

void tok_sm_reserve(strmap *m, size_t n)
{
	while (m->cap < n * 2) sm_grow(m);
	if (m->ecap < n) { m->ecap = n; m->e = xrealloc(m->e, m->ecap * sizeof *m->e); }
}


void tok_sm_put(strmap *m, const char *k, size_t n, int32_t v)
{
	if ((m->n + 1) * 2 > m->cap) sm_grow(m);
	uint64_t h = XXH3_64bits(k, n);
	size_t j = h & (m->cap - 1);
	for (;; j = (j + 1) & (m->cap - 1)) {
		uint32_t s = m->slots[j];
		if (!s) break;
		if (m->e[s - 1].h == h && m->e[s - 1].len == n && !memcmp(m->pool.p + m->e[s - 1].off, k, n)) {
			m->e[s - 1].val = v;
			return;
		}
	}
	if (m->n == m->ecap) {
		m->ecap = m->ecap ? m->ecap * 2 : 1024;
		m->e = xrealloc(m->e, m->ecap * sizeof *m->e);
	}
	m->e[m->n].h = h;
	m->e[m->n].off = (uint32_t)m->pool.len;
	m->e[m->n].len = (uint32_t)n;
	m->e[m->n].val = v;
	strbuf_put(&m->pool, k, n);
	m->slots[j] = (uint32_t)++m->n;
}

void tok_sm_free(strmap *m)
{
	free(m->slots);
	free(m->e);
	strbuf_free(&m->pool);
}

/* An empty table of cap slots (a power of two) holding n entries to come:
 * every slot all ones, and the shift mm_slot takes its top bits by. */
static mergemap mm_empty(size_t cap, size_t n)
{
	mergemap g = { util_alloc_table(cap * sizeof *g.t), cap, n, (unsigned)(64 - __builtin_ctzll(cap)) };
	memset(g.t, 0xFF, cap * sizeof *g.t);
	return g;
}

/* At most three quarters full: linear probing's runs stay short, and the
 * table is a third smaller than at half (Gemma: 1M slots, not 2M). */
static int mm_full(size_t n, size_t cap) { return n * 4 > cap * 3; }

void tok_mm_reserve(mergemap *m, size_t n)
{
	size_t cap = 1 << 10;
	while (mm_full(n, cap)) cap *= 2;
	if (cap <= m->cap) return;
	free(m->t);
	*m = mm_empty(cap, 0);
}

void tok_mm_put(mergemap *m, int32_t a, int32_t b, uint32_t v)
{
	if (mm_full(m->n + 1, m->cap)) {
		mergemap g = mm_empty(m->cap ? m->cap * 2 : 1 << 10, m->n);
		for (size_t i = 0; i < m->cap; i++) {
			if (m->t[i] == UINT64_MAX) continue;
			size_t j = mm_slot(&g, m->t[i] & PM_KEY_MASK);
			while (g.t[j] != UINT64_MAX) j = (j + 1) & (g.cap - 1);
			g.t[j] = m->t[i];
		}
		free(m->t);
		*m = g;
	}
	uint64_t k = mkey(a, b);
	size_t j = mm_slot(m, k);
	for (; m->t[j] != UINT64_MAX; j = (j + 1) & (m->cap - 1))
		if ((m->t[j] & PM_KEY_MASK) == k) return;    /* the first (lowest) rank wins */
	m->t[j] = k | (uint64_t)v << (2 * PM_ID_BITS);
	m->n++;
}
