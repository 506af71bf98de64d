/* blend.c — the recipe, the offset index, the seeded draw and the writers
 * behind blend(1). Contract in blend.h. */
#include "blend.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "jsonl.h"

/* ---- recipe ---- */
void blend_recipe_free(blend_recipe *r)
{
	for (int k = 0; k < r->nparts; k++) {
		blend_part *p = &r->parts[k];
		free(p->name);
		free(p->spec);
		for (int i = 0; i < p->nconds; i++) {
			free(p->conds[i].field);
			free(p->conds[i].value);
		}
		free(p->conds);
		free(p->recs);
	}
	free(r->parts);
	free(r->text);
	memset(r, 0, sizeof *r);
}

/* a strict decimal: digits only, no sign, fits */
static int parse_u64(const char *s, uint64_t *v)
{
	if (!*s) return -1;
	uint64_t x = 0;
	for (; *s; s++) {
		if (*s < '0' || *s > '9') return -1;
		if (x > (UINT64_MAX - (uint64_t)(*s - '0')) / 10) return -1;
		x = x * 10 + (uint64_t)(*s - '0');
	}
	*v = x;
	return 0;
}

/* a plain decimal number with an optional fraction: 12, 12.5 */
static int parse_pct(const char *s, size_t n, double *v)
{
	if (!n || n > 30) return -1;
	char t[32];
	int dot = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '.' && !dot && i && i + 1 < n) { dot = 1; continue; }
		if (s[i] < '0' || s[i] > '9') return -1;
	}
	memcpy(t, s, n);
	t[n] = 0;
	*v = strtod(t, NULL);
	return isfinite(*v) ? 0 : -1;
}

/* Split a recipe line into words, in place: blanks separate words, '#'
 * outside quotes starts a comment, and double quotes take blanks and '#'
 * into a word (FIELD="Tool Use"), with \" and \\ inside them. Returns NULL,
 * or what is wrong with the line. */
static const char *split_words(char *line, char **w, int max, int *n)
{
	char *r = line, *o = line;
	*n = 0;
	for (;;) {
		while (*r == ' ' || *r == '\t' || *r == '\r' || *r == '\v' || *r == '\f') r++;
		if (!*r || *r == '#') return NULL;
		if (*n == max) return "more than 62 conditions";
		w[(*n)++] = o;
		int quoted = 0;
		for (; *r; r++) {
			if (quoted) {
				if (*r == '"') quoted = 0;
				else if (*r == '\\' && (r[1] == '"' || r[1] == '\\')) *o++ = *++r;
				else *o++ = *r;
			} else if (*r == '"') quoted = 1;
			else if (*r == ' ' || *r == '\t' || *r == '\r' || *r == '\v' || *r == '\f' || *r == '#') break;
			else *o++ = *r;
		}
		if (quoted) return "a quote is not closed";
		int comment = *r == '#';
		if (*r && !comment) r++;
		*o++ = 0;
		/* the terminator may have overwritten the '#' that ends the line */
		if (comment) return NULL;
	}
}

int blend_recipe_parse(blend_recipe *r, const char *text, size_t len, const char *name, char *err, size_t errlen)
{
	memset(r, 0, sizeof *r);
	r->text = xstrndup(text, len);
	r->text_len = len;
	if (memchr(text, 0, len)) return util_err_set(err, errlen, "%s: a recipe is text, found a NUL byte", name);
	if (!utf8_valid(text, len)) return util_err_set(err, errlen, "%s: a recipe is UTF-8 text, found invalid UTF-8", name);
	char *copy = xstrndup(text, len);
	unsigned ln = 0;
	int rc = 0;
	for (char *line = copy, *nl; line && !rc; line = nl) {
		nl = strchr(line, '\n');
		if (nl) *nl++ = 0;
		ln++;
		char *tok[64];
		int nt = 0;
		const char *why = split_words(line, tok, 64, &nt);
		if (why) { rc = util_err_set(err, errlen, "%s:%u: %s", name, ln, why); break; }
		if (!nt) continue;
		if (!strcmp(tok[0], "seed")) {
			if (nt != 2 || parse_u64(tok[1], &r->seed))
				rc = util_err_set(err, errlen, "%s:%u: expected 'seed N' with N a number from 0 to 2^64-1, found '%s%s%s'",
					  name, ln, tok[0], nt > 1 ? " " : "", nt > 1 ? tok[1] : "");
			else if (r->have_seed)
				rc = util_err_set(err, errlen, "%s:%u: a second seed line", name, ln);
			r->have_seed = 1;
			continue;
		}
		if (nt < 2) {
			rc = util_err_set(err, errlen, "%s:%u: expected 'NAME COUNT [FIELD=VALUE]...', found only '%s'", name, ln, tok[0]);
			break;
		}
		for (int i = 0; i < r->nparts; i++)
			if (!strcmp(r->parts[i].name, tok[0])) {
				rc = util_err_set(err, errlen, "%s:%u: part '%s' is already named on line %u", name, ln, tok[0], r->parts[i].line);
				break;
			}
		if (rc) break;
		r->parts = xrealloc(r->parts, (size_t)(r->nparts + 1) * sizeof *r->parts);
		blend_part *p = &r->parts[r->nparts++];
		memset(p, 0, sizeof *p);
		p->name = xstrdup(tok[0]);
		p->spec = xstrdup(tok[1]);
		p->line = ln;
		const char *c = tok[1];
		size_t l = strlen(c);
		if (l > 6 && !strcmp(c + l - 6, "%total")) {
			p->kind = BLEND_SHARE;
			if (parse_pct(c, l - 6, &p->pct) || p->pct <= 0 || p->pct >= 100)
				rc = util_err_set(err, errlen, "%s:%u: expected a share of the total above 0%% and below 100%%, found '%s'", name, ln, c);
		} else if (l > 1 && c[l - 1] == '%') {
			p->kind = BLEND_PERCENT;
			if (parse_pct(c, l - 1, &p->pct) || p->pct <= 0 || p->pct > 1e6)
				rc = util_err_set(err, errlen, "%s:%u: expected a percentage of the part (like 50%% or 200%%), found '%s'", name, ln, c);
		} else {
			p->kind = BLEND_COUNT;
			if (parse_u64(c, &p->count) || p->count > UINT32_MAX)
				rc = util_err_set(err, errlen, "%s:%u: expected a count (0 to 4294967295), P%% or P%%total, found '%s'", name, ln, c);
		}
		for (int i = 2; i < nt && !rc; i++) {
			char *eq = strchr(tok[i], '=');
			int neg = eq && eq > tok[i] && eq[-1] == '!';
			if (!eq || eq - neg == tok[i]) {
				rc = util_err_set(err, errlen, "%s:%u: expected a condition FIELD=VALUE or FIELD!=VALUE, found '%s'", name, ln, tok[i]);
				break;
			}
			p->conds = xrealloc(p->conds, (size_t)(p->nconds + 1) * sizeof *p->conds);
			blend_cond *cd = &p->conds[p->nconds++];
			cd->negate = neg;
			cd->field = xstrndup(tok[i], (size_t)(eq - neg - tok[i]));
			cd->value = xstrdup(eq + 1);
		}
	}
	free(copy);
	if (!rc && !r->nparts) rc = util_err_set(err, errlen, "%s: no parts (expected lines 'NAME COUNT [FIELD=VALUE]...')", name);
	return rc;
}

/* ---- the index ---- */
void blend_init(blend *b, blend_recipe *r)
{
	memset(b, 0, sizeof *b);
	b->recipe = r;
	b->spool_fd = -1;
}

void blend_free(blend *b)
{
	for (int i = 0; i < b->ninputs; i++) {
		free(b->inputs[i].path);
		if (b->inputs[i].fd >= 0 && !b->inputs[i].spooled) close(b->inputs[i].fd);
	}
	free(b->inputs);
	if (b->spool_fd >= 0) {
		jsonl_writer_close(&b->spool);   /* frees the buffer; the fd is not its own */
		close(b->spool_fd);
	}
	free(b->loc);
	free(b->len);
	free(b->set[0]);
	free(b->set[1]);
	b->inputs = NULL;
	b->loc = NULL;
	b->len = NULL;
	b->set[0] = b->set[1] = NULL;
	b->spool_fd = -1;
}

int blend_input_open(blend *b, const char *path, int is_stdin, const char *tmpdir, char *err, size_t errlen)
{
	if (b->ninputs >= BLEND_MAX_INPUTS) return util_err_set(err, errlen, "%s: more than %d inputs", path, BLEND_MAX_INPUTS);
	struct stat st;
	int spooled = is_stdin || !strcmp(path, "-");
	if (!spooled) {
		if (stat(path, &st)) return util_err_set(err, errlen, "%s: %s", path, strerror(errno));
		spooled = !S_ISREG(st.st_mode);
	}
	if (spooled && b->spool_fd < 0) {
		b->spool_fd = util_spool_open(tmpdir && *tmpdir ? tmpdir : "/tmp", "sftkit-blend", err, errlen);
		if (b->spool_fd < 0) return -1;
		jsonl_writer_init(&b->spool, b->spool_fd);
	}
	b->inputs = xrealloc(b->inputs, (size_t)(b->ninputs + 1) * sizeof *b->inputs);
	blend_input *in = &b->inputs[b->ninputs];
	memset(in, 0, sizeof *in);
	in->path = xstrdup(is_stdin ? "-" : path);
	in->spooled = spooled;
	in->fd = -1;
	if (!spooled) {
		in->dev = st.st_dev;
		in->ino = st.st_ino;
		in->size = st.st_size;
		in->mtime = st.st_mtim;
	}
	sha256_init(&in->sha);
	return b->ninputs++;
}

int blend_input_line(blend *b, int i, const char *line, size_t len, uint64_t offset, uint64_t *where, char *err, size_t errlen)
{
	blend_input *in = &b->inputs[i];
	if (in->lines) sha256_update(&in->sha, "\n", 1);
	sha256_update(&in->sha, line, len);
	in->lines++;
	in->bytes += len + 1;
	if (in->spooled) {
		*where = b->spool_len;
		/* line and '\n' in one write when the line is short: copy into a
		 * stack buffer; long lines take two writes */
		if (jsonl_write_line(&b->spool, line, len)) return util_err_set(err, errlen, "spool: %s", strerror(errno));
		b->spool_len += len + 1;
	} else {
		*where = offset;
		in->end = offset + len;
	}
	return 0;
}

void blend_input_close(blend *b, int i)
{
	blend_input *in = &b->inputs[i];
	/* a regular file's last line ends in '\n' when the file goes on past
	 * it; a spooled input is hashed as its lines, each with '\n' */
	if (in->lines && (in->spooled || (uint64_t)in->size > in->end)) sha256_update(&in->sha, "\n", 1);
	if (!in->spooled) in->bytes = (uint64_t)in->size;
	unsigned char d[32];
	sha256_final(&in->sha, d);
	sha256_hex(d, in->sha256);
}

static int cond_holds(const json_doc *d, const blend_cond *c)
{
	uint32_t v = json_get(d, 0, c->field);
	int eq = 0, t = json_type_of(d, v);
	if (t == JSON_STRING) eq = json_str_eq(d, v, c->value, strlen(c->value));
	else if (t == JSON_NUMBER || t == JSON_TRUE || t == JSON_FALSE) {
		size_t l;
		const char *s = json_raw(d, v, &l);
		eq = l == strlen(c->value) && !memcmp(s, c->value, l);
	}
	return eq != c->negate;
}

int blend_match(const blend *b, const json_doc *d)
{
	for (int k = 0; k < b->recipe->nparts; k++) {
		const blend_part *p = &b->recipe->parts[k];
		int i = 0;
		while (i < p->nconds && cond_holds(d, &p->conds[i])) i++;
		if (i == p->nconds) return k;
	}
	return -1;
}

int blend_add(blend *b, int k, int i, uint64_t where, size_t len, char *err, size_t errlen)
{
	if (len > UINT32_MAX) return util_err_set(err, errlen, "a record of %zu bytes: blend indexes records up to 4 GiB", len);
	if (where >= BLEND_MAX_OFFSET) return util_err_set(err, errlen, "offset %llu: blend indexes inputs up to 256 TiB", (unsigned long long)where);
	if (b->n >= UINT32_MAX) return util_err_set(err, errlen, "more than %u records", UINT32_MAX - 1);
	if (b->n == b->cap) {
		b->cap = b->cap ? b->cap * 2 : 4096;
		b->loc = xrealloc(b->loc, b->cap * sizeof *b->loc);
		b->len = xrealloc(b->len, b->cap * sizeof *b->len);
	}
	b->loc[b->n] = (uint64_t)i << 48 | where;
	b->len[b->n] = (uint32_t)len;
	blend_part *p = &b->recipe->parts[k];
	if (p->n == p->cap) {
		p->cap = p->cap ? p->cap * 2 : 1024;
		p->recs = xrealloc(p->recs, p->cap * sizeof *p->recs);
	}
	p->recs[p->n++] = (uint32_t)b->n++;
	return 0;
}

/* ---- the draw ---- */
int blend_val_parse(blend_val *v, const char *s)
{
	memset(v, 0, sizeof *v);
	uint64_t n;
	if (!parse_u64(s, &n)) {
		v->count = n;
		v->is_count = n > 0;
		return 0;
	}
	double f;
	if (parse_pct(s, strlen(s), &f) || f >= 1) return -1;
	v->fraction = f;
	return 0;
}

static uint64_t name_hash(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ull;   /* FNV-1a 64 */
	for (; *s; s++) h = (h ^ (unsigned char)*s) * 0x100000001b3ull;
	return h;
}

static void note(strbuf *notes, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void note(strbuf *notes, const char *fmt, ...)
{
	if (!notes) return;
	va_list ap;
	va_start(ap, fmt);
	strbuf_vprintf(notes, fmt, ap);
	va_end(ap);
	strbuf_putc(notes, '\n');
}

static uint64_t round_u64(double x) { return x <= 0 ? 0 : (uint64_t)llround(x); }

/* requested counts from counts, percentages and shares */
static int resolve(blend *b, strbuf *notes, char *err, size_t errlen)
{
	blend_recipe *r = b->recipe;
	uint64_t fixed = 0;
	double shares = 0;
	for (int k = 0; k < r->nparts; k++) {
		blend_part *p = &r->parts[k];
		if (p->kind == BLEND_COUNT) p->requested = p->count;
		else if (p->kind == BLEND_PERCENT) p->requested = round_u64((double)p->n * p->pct / 100.0);
		if (p->kind == BLEND_SHARE) shares += p->pct / 100.0;
		else fixed += p->requested;
	}
	if (shares <= 0) return 0;
	if (shares > 1.0 + 1e-9) return util_err_set(err, errlen, "the shares of the total add up to %.6g%%, more than 100%%", shares * 100);
	double total;
	if (shares >= 1.0 - 1e-9) {
		if (fixed) return util_err_set(err, errlen, "the shares of the total add up to 100%% and other parts ask for %llu more",
					(unsigned long long)fixed);
		total = -1;
	} else if (fixed) total = (double)fixed / (1.0 - shares);
	else total = -1;
	if (total < 0) {
		/* shares only: the largest whole in which no share part repeats */
		for (int k = 0; k < r->nparts; k++) {
			blend_part *p = &r->parts[k];
			if (p->kind != BLEND_SHARE) continue;
			double t = (double)p->n / (p->pct / 100.0);
			if (total < 0 || t < total) total = t;
		}
		note(notes, "the shares alone set the whole: %.0f records", total);
	}
	for (int k = 0; k < r->nparts; k++)
		if (r->parts[k].kind == BLEND_SHARE) r->parts[k].requested = round_u64(total * r->parts[k].pct / 100.0);
	return 0;
}

/* validation counts: a fraction of each part's draw, or a count split in
 * proportion to the draws by largest remainder (so they add up to it) */
static void val_counts(blend *b, const blend_val *val, strbuf *notes)
{
	blend_recipe *r = b->recipe;
	uint64_t total = 0;
	for (int k = 0; k < r->nparts; k++) total += r->parts[k].n ? r->parts[k].requested : 0;
	if (!val->is_count) {
		for (int k = 0; k < r->nparts; k++)
			r->parts[k].val = r->parts[k].n ? round_u64(val->fraction * (double)r->parts[k].requested) : 0;
	} else if (total) {
		uint64_t want = val->count, given = 0;
		if (want > total) {
			note(notes, "--val %llu: only %llu records are drawn; all go to validation",
			     (unsigned long long)want, (unsigned long long)total);
			want = total;
		}
		double *rem = xcalloc((size_t)r->nparts, sizeof *rem);
		for (int k = 0; k < r->nparts; k++) {
			blend_part *p = &r->parts[k];
			if (!p->n) continue;
			double exact = (double)want * (double)p->requested / (double)total;
			p->val = (uint64_t)floor(exact);
			rem[k] = exact - (double)p->val;
			given += p->val;
		}
		while (given < want) {
			int best = -1;
			for (int k = 0; k < r->nparts; k++)
				if (r->parts[k].n && r->parts[k].val < r->parts[k].requested && (best < 0 || rem[k] > rem[best])) best = k;
			if (best < 0) break;
			r->parts[best].val++;
			rem[best] = -1;
			given++;
		}
		free(rem);
	}
	/* a repeated part keeps one distinct record at least for training */
	for (int k = 0; k < r->nparts; k++) {
		blend_part *p = &r->parts[k];
		if (p->val > p->requested) p->val = p->requested;
		if (p->requested > p->n && p->n && p->val >= p->n) {
			note(notes, "part %s: validation cut from %llu to %zu so that training keeps a record of its own",
			     p->name, (unsigned long long)p->val, p->n - 1);
			p->val = p->n - 1;
		}
	}
}

static void push(uint32_t **v, size_t *n, size_t *cap, uint32_t x)
{
	if (*n == *cap) {
		*cap = *cap ? *cap * 2 : 1024;
		*v = xrealloc(*v, *cap * sizeof **v);
	}
	(*v)[(*n)++] = x;
}

int blend_draw(blend *b, uint64_t seed, const blend_val *val, strbuf *notes, char *err, size_t errlen)
{
	blend_recipe *r = b->recipe;
	b->seed = seed;
	if (resolve(b, notes, err, errlen)) return -1;
	val_counts(b, val, notes);
	size_t cap[2] = {0, 0};
	for (int s = 0; s < 2; s++) {
		free(b->set[s]);
		b->set[s] = NULL;
		b->nset[s] = 0;
	}
	for (int k = 0; k < r->nparts; k++) {
		blend_part *p = &r->parts[k];
		p->taken = p->train = p->epochs = p->shortfall = 0;
		if (!p->requested) { p->val = 0; continue; }
		if (!p->n) {
			p->shortfall = p->requested;
			note(notes, "part %s: 0 records available for %llu requested (shortfall %llu)", p->name,
			     (unsigned long long)p->requested, (unsigned long long)p->requested);
			continue;
		}
		rng pr;
		rng_seed(&pr, seed ^ name_hash(p->name));
		uint32_t *v = p->recs;
		if (p->requested <= p->n) {
			/* without replacement: the first `requested` places of a
			 * Fisher-Yates shuffle, in random order; validation is the
			 * first val of them */
			for (uint64_t i = 0; i < p->requested; i++) {
				size_t j = (size_t)i + rng_below(&pr, p->n - i);
				uint32_t t = v[i]; v[i] = v[j]; v[j] = t;
				push(&b->set[i < p->val ? BLEND_VAL : BLEND_TRAIN], &b->nset[i < p->val ? 1 : 0],
				     &cap[i < p->val ? 1 : 0], v[i]);
			}
		} else {
			/* more than the part has: validation takes distinct records
			 * first; training repeats whole epochs of the rest and
			 * samples the remainder without replacement, so no record is
			 * on both sides */
			rng_shuffle(&pr, v, p->n);
			for (uint64_t i = 0; i < p->val; i++) push(&b->set[1], &b->nset[1], &cap[1], v[i]);
			uint32_t *pool = v + p->val;
			size_t m = p->n - (size_t)p->val;
			uint64_t need = p->requested - p->val;
			p->epochs = need / m;
			uint64_t rest = need % m;
			for (uint64_t e = 0; e < p->epochs; e++)
				for (size_t i = 0; i < m; i++) push(&b->set[0], &b->nset[0], &cap[0], pool[i]);
			for (uint64_t i = 0; i < rest; i++) {
				size_t j = (size_t)i + rng_below(&pr, m - i);
				uint32_t t = pool[i]; pool[i] = pool[j]; pool[j] = t;
				push(&b->set[0], &b->nset[0], &cap[0], pool[i]);
			}
			note(notes, "part %s: %llu requested from %zu available: %llu whole epoch(s) and a sample of %llu",
			     p->name, (unsigned long long)p->requested, p->n, (unsigned long long)p->epochs, (unsigned long long)rest);
		}
		p->taken = p->requested;
		p->train = p->taken - p->val;
	}
	rng rr;
	rng_seed(&rr, seed);
	rng_shuffle(&rr, b->set[0], b->nset[0]);
	rng_shuffle(&rr, b->set[1], b->nset[1]);
	return 0;
}

uint64_t blend_distinct(const blend *b)
{
	uint64_t d = 0;
	for (int k = 0; k < b->recipe->nparts; k++) {
		const blend_part *p = &b->recipe->parts[k];
		d += p->taken < p->n ? p->taken : p->n;
	}
	return d;
}

/* ---- output ---- */
int blend_project(strbuf *out, json_doc *d, const char *line, size_t len, const char *const *keep, int nkeep)
{
	if (json_parse(d, line, len) || json_type_of(d, 0) != JSON_OBJECT) return -1;
	strbuf_putc(out, '{');
	int first = 1;
	JSON_FOR_MEMBERS(d, 0, k, v, i) {
		(void)i;
		int want = json_str_eq(d, k, "messages", 8);
		for (int j = 0; j < nkeep && !want; j++) want = json_str_eq(d, k, keep[j], strlen(keep[j]));
		if (!want) continue;
		if (!first) strbuf_putc(out, ',');
		first = 0;
		json_write_raw(out, d, k);
		strbuf_putc(out, ':');
		json_write_raw(out, d, v);
	}
	strbuf_putc(out, '}');
	return 0;
}

static int open_inputs(blend *b, char *err, size_t errlen)
{
	if (b->spool_fd >= 0 && jsonl_flush(&b->spool)) return util_err_set(err, errlen, "spool: %s", strerror(errno));
	for (int i = 0; i < b->ninputs; i++) {
		blend_input *in = &b->inputs[i];
		if (in->spooled) { in->fd = b->spool_fd; continue; }
		if (in->fd >= 0) continue;
		in->fd = open(in->path, O_RDONLY | O_CLOEXEC);
		struct stat st;
		if (in->fd < 0 || fstat(in->fd, &st)) return util_err_set(err, errlen, "%s: %s", in->path, strerror(errno));
		if (st.st_dev != in->dev || st.st_ino != in->ino || st.st_size != in->size ||
		    st.st_mtim.tv_sec != in->mtime.tv_sec || st.st_mtim.tv_nsec != in->mtime.tv_nsec)
			return util_err_set(err, errlen, "%s: the file changed between blend's two passes (size %lld, then %lld)",
				    in->path, (long long)in->size, (long long)st.st_size);
	}
	return 0;
}

static int read_full(int fd, char *p, size_t n, uint64_t off)
{
	while (n) {
		ssize_t r = pread(fd, p, n, (off_t)off);
		if (r < 0 && errno == EINTR) continue;
		if (r <= 0) {
			if (r == 0) errno = EIO;
			return -1;
		}
		p += r;
		n -= (size_t)r;
		off += (uint64_t)r;
	}
	return 0;
}

int blend_write(blend *b, int set, const char *dir, const char *name, const char *const *keep, int nkeep,
		void (*progress)(void *ctx, uint64_t done, uint64_t total), void *pctx, char *err, size_t errlen)
{
	if (open_inputs(b, err, errlen)) return -1;
	char tmp[4200], path[4200];
	blend_tmp_path(tmp, sizeof tmp, dir, name);
	snprintf(path, sizeof path, "%s/%s", dir, name);
	util_atomic a;
	if (util_atomic_open_as(&a, path, tmp, err, errlen)) return -1;
	jsonl_writer w;
	jsonl_writer_init(&w, a.fd);
	json_doc d;
	json_doc_init(&d);
	strbuf o = STRBUF_INIT, rec = STRBUF_INIT;
	sha256_ctx sc;
	sha256_init(&sc);
	int rc = 0;
	uint64_t bytes = 0;
	for (size_t i = 0; i < b->nset[set] && !rc; i++) {
		uint32_t x = b->set[set][i];
		blend_input *in = &b->inputs[b->loc[x] >> 48];
		uint64_t off = b->loc[x] & (BLEND_MAX_OFFSET - 1);
		strbuf_reset(&rec);
		strbuf_reserve(&rec, (size_t)b->len[x] + 1);
		if (read_full(in->fd, rec.p, b->len[x], off)) {
			rc = util_err_set(err, errlen, "%s: read at offset %llu: %s", in->spooled ? "spool" : in->path,
				  (unsigned long long)off, strerror(errno));
			break;
		}
		rec.len = b->len[x];
		strbuf_reset(&o);
		if (blend_project(&o, &d, rec.p, rec.len, keep, nkeep)) {
			rc = util_err_set(err, errlen, "%s: offset %llu: the record read back is not the one indexed (the input changed?)",
				  in->spooled ? "spool" : in->path, (unsigned long long)off);
			break;
		}
		strbuf_putc(&o, '\n');
		sha256_update(&sc, o.p, o.len);
		bytes += o.len;
		if (jsonl_write(&w, o.p, o.len)) rc = util_err_set(err, errlen, "%s: %s", tmp, strerror(errno));
		if (progress && ((i + 1) & 0xFFFF) == 0) progress(pctx, i + 1, b->nset[set]);
	}
	if (!rc && jsonl_flush(&w)) rc = util_err_set(err, errlen, "%s: %s", tmp, strerror(errno));
	jsonl_writer_close(&w);   /* flushed (or failed): frees the buffer; the fd is a's */
	if (rc) util_atomic_abort(&a);
	else if ((rc = util_atomic_finish(&a, err, errlen)) == 0) {
		unsigned char dg[32];
		sha256_final(&sc, dg);
		sha256_hex(dg, b->out_sha256[set]);
		b->out_bytes[set] = bytes;
	}
	json_doc_free(&d);
	strbuf_free(&o);
	strbuf_free(&rec);
	return rc;
}

void blend_tmp_path(char *out, size_t n, const char *dir, const char *name)
{
	snprintf(out, n, "%s/" BLEND_TMP_PREFIX "%ld.%s", dir, (long)getpid(), name);
}

int blend_remove_stale(const char *dir)
{
	DIR *dp = opendir(dir);
	if (!dp) return 0;
	int removed = 0;
	const size_t pl = strlen(BLEND_TMP_PREFIX);
	struct dirent *de;
	while ((de = readdir(dp))) {
		if (strncmp(de->d_name, BLEND_TMP_PREFIX, pl)) continue;
		char *e;
		long pid = strtol(de->d_name + pl, &e, 10);
		if (e == de->d_name + pl || *e != '.' || pid <= 0) continue;
		/* a live process's files are its own run's, not stale */
		if (pid == (long)getpid() || kill((pid_t)pid, 0) == 0 || errno == EPERM) continue;
		char path[4400];
		snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
		if (unlink(path) == 0) removed++;
	}
	closedir(dp);
	return removed;
}

int blend_commit(const char *dir, const char *const *names, int n, char *err, size_t errlen)
{
	char tmp[4200], path[4200];
	snprintf(path, sizeof path, "%s/.", dir);   /* util_fsync_dir's: a path in dir */
	for (int i = 0; i < n; i++) {
		blend_tmp_path(tmp, sizeof tmp, dir, names[i]);
		snprintf(path, sizeof path, "%s/%s", dir, names[i]);
		if (util_atomic_rename(tmp, path, err, errlen)) {
			for (int j = i + 1; j < n; j++) {
				blend_tmp_path(tmp, sizeof tmp, dir, names[j]);
				unlink(tmp);
			}
			return -1;
		}
	}
	/* the renames themselves made durable */
	return util_fsync_dir(path, err, errlen);
}

void blend_discard(const char *dir, const char *const *names, int n)
{
	char tmp[4200];
	for (int i = 0; i < n; i++) {
		blend_tmp_path(tmp, sizeof tmp, dir, names[i]);
		unlink(tmp);
	}
}

/* ---- manifest ---- */
static void str(strbuf *m, const char *s) { json_write_str(m, s, strlen(s)); }

void blend_manifest(const blend *b, const blend_info *info, strbuf *m)
{
	const blend_recipe *r = b->recipe;
	strbuf_puts(m, "{\n  \"tool\": \"blend\",\n  \"version\": ");
	str(m, info->version ? info->version : "");
	strbuf_printf(m, ",\n  \"seed\": %llu,\n  \"seed_from\": ", (unsigned long long)b->seed);
	str(m, info->seed_from ? info->seed_from : "default");
	strbuf_puts(m, ",\n  \"prng\": \"xoshiro256** seeded by splitmix64; part seed = seed xor fnv1a64(name)\",\n  \"recipe_file\": ");
	str(m, info->recipe_path ? info->recipe_path : "");
	strbuf_puts(m, ",\n  \"recipe\": ");
	json_write_str(m, r->text ? r->text : "", r->text_len);
	strbuf_puts(m, ",\n  \"validation\": ");
	if (info->val_arg) str(m, info->val_arg);
	else strbuf_puts(m, "\"0\"");
	strbuf_puts(m, ",\n  \"fields\": [\"messages\"");
	for (int i = 0; i < info->nkeep; i++) {
		strbuf_puts(m, ", ");
		str(m, info->keep[i]);
	}
	strbuf_puts(m, "],\n  \"parts\": [\n");
	for (int k = 0; k < r->nparts; k++) {
		const blend_part *p = &r->parts[k];
		strbuf_puts(m, "    {\"name\": ");
		str(m, p->name);
		strbuf_puts(m, ", \"spec\": ");
		str(m, p->spec);
		strbuf_puts(m, ", \"where\": [");
		for (int i = 0; i < p->nconds; i++) {
			if (i) strbuf_puts(m, ", ");
			strbuf t = STRBUF_INIT;
			strbuf_printf(&t, "%s%s=%s", p->conds[i].field, p->conds[i].negate ? "!" : "", p->conds[i].value);
			json_write_str(m, t.p, t.len);
			strbuf_free(&t);
		}
		strbuf_printf(m, "], \"requested\": %llu, \"available\": %zu, \"taken\": %llu, \"train\": %llu, "
			       "\"validation\": %llu, \"epochs\": %llu, \"shortfall\": %llu}%s\n",
			    (unsigned long long)p->requested, p->n, (unsigned long long)p->taken, (unsigned long long)p->train,
			    (unsigned long long)p->val, (unsigned long long)p->epochs, (unsigned long long)p->shortfall,
			    k + 1 < r->nparts ? "," : "");
	}
	strbuf_printf(m, "  ],\n  \"matched\": %zu,\n  \"unmatched\": %llu,\n  \"inputs\": [", b->n, (unsigned long long)b->unmatched);
	for (int i = 0; i < b->ninputs; i++) {
		const blend_input *in = &b->inputs[i];
		strbuf_printf(m, "%s\n    {\"path\": ", i ? "," : "");
		str(m, in->path);
		strbuf_printf(m, ", \"lines\": %llu, \"bytes\": %llu, \"sha256\": \"%s\", \"spooled\": %s}", (unsigned long long)in->lines,
			    (unsigned long long)in->bytes, in->sha256, in->spooled ? "true" : "false");
	}
	strbuf_puts(m, "\n  ],\n  \"outputs\": [");
	for (int s = 0; s < 2; s++) {
		strbuf_printf(m, "%s\n    {\"path\": ", s ? "," : "");
		str(m, info->names[s] ? info->names[s] : (s ? "validation.jsonl" : "train.jsonl"));
		strbuf_printf(m, ", \"records\": %zu, \"bytes\": %llu, \"sha256\": \"%s\"}", b->nset[s], (unsigned long long)b->out_bytes[s],
			    b->out_sha256[s]);
	}
	strbuf_puts(m, "\n  ],\n  \"lock_file\": ");
	if (info->lock_path) str(m, info->lock_path);
	else strbuf_puts(m, "null");
	strbuf_puts(m, ",\n  \"lock\": ");
	if (info->lock_json) strbuf_puts(m, info->lock_json);
	else strbuf_puts(m, "[]");
	strbuf_puts(m, ",\n  \"stages\": {");
	if (info->stages_json && *info->stages_json) { strbuf_puts(m, info->stages_json); strbuf_puts(m, "\n  "); }
	strbuf_putc(m, '}');
	strbuf_puts(m, "\n}\n");
}

int blend_stage_json(const char *text, size_t len, const char *path, int first, strbuf *m, char *err, size_t errlen)
{
	json_doc d;
	json_doc_init(&d);
	int rc = 0;
	if (json_parse(&d, text, len)) rc = util_err_set(err, errlen, "%s: expected a tool's --summary (a JSON object): %s", path, d.err);
	else if (json_type_of(&d, 0) != JSON_OBJECT || json_type_of(&d, json_get(&d, 0, "read")) != JSON_NUMBER ||
		 json_type_of(&d, json_get(&d, 0, "kept")) != JSON_NUMBER || json_type_of(&d, json_get(&d, 0, "dropped")) != JSON_NUMBER)
		rc = util_err_set(err, errlen, "%s: expected a tool's --summary, with \"read\", \"kept\" and \"dropped\"", path);
	else {
		const char *base = strrchr(path, '/');
		base = base ? base + 1 : path;
		size_t bl = strlen(base);
		if (bl > 5 && !strcmp(base + bl - 5, ".json")) bl -= 5;
		strbuf_puts(m, first ? "\n    " : ",\n    ");
		json_write_str(m, base, bl);
		/* every member but the run time, so the same build gives the same manifest */
		strbuf_puts(m, ":{");
		int n = 0;
		JSON_FOR_MEMBERS(&d, 0, key, val, k) {
			(void)k;
			if (json_str_eq(&d, key, "seconds", 7)) continue;
			if (n++) strbuf_putc(m, ',');
			json_write_compact(m, &d, key);
			strbuf_putc(m, ':');
			json_write_compact(m, &d, val);
		}
		strbuf_putc(m, '}');
	}
	json_doc_free(&d);
	return rc;
}

int blend_write_manifest(const blend *b, const blend_info *info, const char *dir, const char *name,
		char *err, size_t errlen)
{
	char tmp[4200], path[4200];
	blend_tmp_path(tmp, sizeof tmp, dir, name);
	snprintf(path, sizeof path, "%s/%s", dir, name);
	strbuf m = STRBUF_INIT;
	blend_manifest(b, info, &m);
	util_atomic a;
	int rc = util_atomic_open_as(&a, path, tmp, err, errlen);
	if (!rc && (rc = util_atomic_write(&a, m.p, m.len, err, errlen)) == 0)
		rc = util_atomic_finish(&a, err, errlen);
	strbuf_free(&m);
	return rc;
}
