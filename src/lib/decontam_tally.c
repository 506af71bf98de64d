/* decontam_tally.c — the per-item tally behind decontam --report, over
 * decontam.h's public accessors only. */
#include "decontam.h"

#include <stdlib.h>
#include <string.h>

#define TALLY_SOURCES 16   /* sources listed per item, at most */

typedef struct tally_item {
	uint64_t rows;
	char *sources[TALLY_SOURCES];
	int nsources, more_sources;
	char *example, *field;
	char excerpt[DECONTAM_EXCERPT + 1];
	double score;
} tally_item;

struct decontam_tally {
	const decontam_index *ix;
	tally_item *it;        /* one per index item */
	uint64_t *drops;       /* per benchmark */
};

decontam_tally *decontam_tally_new(const decontam_index *ix)
{
	decontam_tally *t = xcalloc(1, sizeof *t);
	t->ix = ix;
	t->it = xcalloc(decontam_nitems(ix) ? decontam_nitems(ix) : 1, sizeof *t->it);
	t->drops = xcalloc(decontam_nbench(ix) ? (size_t)decontam_nbench(ix) : 1, sizeof *t->drops);
	return t;
}

void decontam_tally_free(decontam_tally *t)
{
	if (!t) return;
	for (size_t i = 0; i < decontam_nitems(t->ix); i++) {
		for (int k = 0; k < t->it[i].nsources; k++) free(t->it[i].sources[k]);
		free(t->it[i].example);
		free(t->it[i].field);
	}
	free(t->it);
	free(t->drops);
	free(t);
}

void decontam_tally_add(decontam_tally *t, const decontam_hit *h, const char *source, size_t slen, const char *id, size_t idlen)
{
	tally_item *it = &t->it[h->item];
	if (!it->rows++) {
		it->example = id ? xstrndup(id, idlen) : NULL;
		it->field = xstrdup(h->field);
		memcpy(it->excerpt, h->excerpt, sizeof it->excerpt);
		it->score = h->score;
	}
	if (!source) return;
	for (int k = 0; k < it->nsources; k++)
		if (strlen(it->sources[k]) == slen && !memcmp(it->sources[k], source, slen)) return;
	if (it->nsources < TALLY_SOURCES) it->sources[it->nsources++] = xstrndup(source, slen);
	else it->more_sources = 1;
}

void decontam_tally_drop(decontam_tally *t, const decontam_hit *best) { t->drops[decontam_item_bench(t->ix, best->item)]++; }
uint64_t decontam_tally_rows(const decontam_tally *t, int b) { return t->drops[b]; }

void decontam_tally_write(const decontam_tally *t, strbuf *out)
{
	const decontam_index *ix = t->ix;
	for (uint32_t i = 0; i < decontam_nitems(ix); i++) {
		const tally_item *it = &t->it[i];
		if (!it->rows) continue;
		const char *bn = decontam_bench(ix, decontam_item_bench(ix, i))->name, *id = decontam_item_id(ix, i);
		strbuf_puts(out, "{\"benchmark\":");
		json_write_str(out, bn, strlen(bn));
		strbuf_puts(out, ",\"item\":");
		json_write_str(out, id, strlen(id));
		strbuf_puts(out, ",\"field\":");
		json_write_str(out, it->field, strlen(it->field));
		strbuf_printf(out, ",\"rows\":%llu,\"sources\":[", (unsigned long long)it->rows);
		for (int k = 0; k < it->nsources; k++) {
			if (k) strbuf_putc(out, ',');
			json_write_str(out, it->sources[k], strlen(it->sources[k]));
		}
		strbuf_printf(out, "],\"more_sources\":%s,\"example\":", it->more_sources ? "true" : "false");
		if (it->example) json_write_str(out, it->example, strlen(it->example));
		else strbuf_puts(out, "null");
		strbuf_printf(out, ",\"score\":%.3f,\"excerpt\":", it->score);
		json_write_str(out, it->excerpt, strlen(it->excerpt));
		strbuf_puts(out, "}\n");
	}
}
