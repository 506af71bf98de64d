/* blend — mix deduplicated streams by a recipe into train and validation
 * sets, seeded and exact, with a manifest. */
#include "cli.h"
#include "json.h"
#include "jsonl.h"
#include "sha256.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char usage[] =
	"Usage: blend --recipe FILE --out-dir DIR [--seed N] [--val FRACTION|COUNT]\n"
	"             [--keep-fields a,b] [--lock FILE] [OPTIONS] [FILE...]\n"
	"Draw the recipe's counts from the input records, seeded and without\n"
	"replacement, shuffle, hold out a validation split, and write DIR/train.jsonl,\n"
	"DIR/validation.jsonl and DIR/manifest.json (atomically).\n"
	"\n"
	"  -r, --recipe FILE      one line per part: NAME COUNT|P%|P%total [FIELD=VALUE|FIELD!=VALUE]...\n"
	"                         (P% of the part's records; P%total of the whole blend)\n"
	"                         and optionally 'seed N'; '#' starts a comment. A record goes\n"
	"                         to the first part whose conditions it meets.\n"
	"  -o, --out-dir DIR      where the outputs go (created)\n"
	"      --seed N           overrides the recipe's seed (default 0)\n"
	"      --val X            validation: a fraction (0.01) or a count, from each part in\n"
	"                         proportion (default 0: none)\n"
	"      --keep-fields A,B  top-level fields to keep besides messages\n"
	"      --lock FILE        hf-fetch's lock file, recorded in the manifest\n";

/* ---- PRNG: splitmix64 (seeding) and xoshiro256** ---- */
typedef struct rng { uint64_t s[4]; } rng;
static uint64_t splitmix(uint64_t *x)
{
	uint64_t z = (*x += 0x9E3779B97F4A7C15ull);
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	return z ^ (z >> 31);
}
static void rng_seed(rng *r, uint64_t seed) { for (int i = 0; i < 4; i++) r->s[i] = splitmix(&seed); }
static inline uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
static uint64_t rng_next(rng *r)
{
	uint64_t *s = r->s, res = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;
	s[2] ^= s[0]; s[3] ^= s[1]; s[1] ^= s[2]; s[0] ^= s[3]; s[2] ^= t; s[3] = rotl(s[3], 45);
	return res;
}
/* uniform in [0, n) without modulo bias (Lemire) */
static uint64_t rng_below(rng *r, uint64_t n)
{
	__uint128_t m = (__uint128_t)rng_next(r) * n;
	uint64_t l = (uint64_t)m;
	if (l < n) {
		uint64_t t = -n % n;
		while (l < t) { m = (__uint128_t)rng_next(r) * n; l = (uint64_t)m; }
	}
	return (uint64_t)(m >> 64);
}
static void shuffle(rng *r, uint32_t *v, size_t n)
{
	for (size_t i = n; i > 1; i--) {
		size_t j = rng_below(r, i);
		uint32_t t = v[i - 1]; v[i - 1] = v[j]; v[j] = t;
	}
}

typedef struct cond { char *field, *value; int negate; } cond;
typedef struct part {
	char *name;
	uint64_t count;       /* requested (resolved for percents) */
	double percent;       /* > 0 when given as a percentage of the part */
	double share;         /* > 0 when given as a percentage of the whole blend */
	cond *conds;
	int nconds;
	uint32_t *recs;       /* record indexes */
	size_t n, cap;
	uint64_t taken, val, epochs;
} part;

typedef struct blend {
	cli c;
	part *parts;
	int nparts;
	uint64_t seed;
	int have_seed;
	jbuf recipe_text;
	uint64_t *off;        /* record offsets in the spool */
	uint32_t *len;
	size_t n, cap;
	char **keep;
	int nkeep;
} blend;

static void read_recipe(blend *b, const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f) cli_fatal(&b->c, "%s: %m", path);
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	unsigned ln = 0;
	while ((n = getline(&line, &cap, f)) > 0) {
		ln++;
		jbuf_put(&b->recipe_text, line, n);
		char *h = strchr(line, '#');
		if (h) *h = 0;
		char *tok[64];
		int nt = 0;
		for (char *t = strtok(line, " \t\r\n"); t && nt < 64; t = strtok(NULL, " \t\r\n")) tok[nt++] = t;
		if (!nt) continue;
		if (!strcmp(tok[0], "seed")) {
			char *e;
			if (nt != 2) cli_fatal(&b->c, "%s:%u: seed N", path, ln);
			b->seed = strtoull(tok[1], &e, 10);
			if (*e) cli_fatal(&b->c, "%s:%u: the seed is a number, not '%s'", path, ln, tok[1]);
			b->have_seed = 1;
			continue;
		}
		if (nt < 2) cli_fatal(&b->c, "%s:%u: NAME COUNT|PERCENT%% [FIELD=VALUE]...", path, ln);
		b->parts = xrealloc(b->parts, (size_t)(b->nparts + 1) * sizeof *b->parts);
		part *p = &b->parts[b->nparts++];
		memset(p, 0, sizeof *p);
		p->name = xstrdup(tok[0]);
		for (int i = 0; i < b->nparts - 1; i++)
			if (!strcmp(b->parts[i].name, p->name)) cli_fatal(&b->c, "%s:%u: part '%s' named twice", path, ln, p->name);
		char *e;
		size_t l = strlen(tok[1]);
		if (l > 6 && !strcmp(tok[1] + l - 6, "%total")) {
			p->share = strtod(tok[1], &e);
			if (e != tok[1] + l - 6 || p->share <= 0 || p->share >= 100) cli_fatal(&b->c, "%s:%u: bad share of the total '%s'", path, ln, tok[1]);
		} else if (l && tok[1][l - 1] == '%') {
			p->percent = strtod(tok[1], &e);
			if (e != tok[1] + l - 1 || p->percent <= 0) cli_fatal(&b->c, "%s:%u: bad percentage '%s'", path, ln, tok[1]);
		} else {
			p->count = strtoull(tok[1], &e, 10);
			if (*e || tok[1][0] == '-') cli_fatal(&b->c, "%s:%u: bad count '%s'", path, ln, tok[1]);
		}
		for (int i = 2; i < nt; i++) {
			char *eq = strchr(tok[i], '=');
			if (!eq || eq == tok[i]) cli_fatal(&b->c, "%s:%u: a condition is FIELD=VALUE or FIELD!=VALUE, not '%s'", path, ln, tok[i]);
			p->conds = xrealloc(p->conds, (size_t)(p->nconds + 1) * sizeof *p->conds);
			cond *c = &p->conds[p->nconds++];
			c->negate = eq[-1] == '!';
			c->field = strndup(tok[i], (size_t)(eq - tok[i] - c->negate));
			c->value = xstrdup(eq + 1);
		}
	}
	free(line);
	fclose(f);
	if (!b->nparts) cli_fatal(&b->c, "%s: no parts", path);
}

static int matches(const json_doc *d, const part *p)
{
	for (int i = 0; i < p->nconds; i++) {
		const cond *c = &p->conds[i];
		uint32_t v = json_get(d, 0, c->field);
		int eq = 0;
		if (json_type_of(d, v) == JSON_STRING) eq = json_str_eq(d, v, c->value, strlen(c->value));
		else if (json_type_of(d, v) == JSON_NUMBER || json_type_of(d, v) == JSON_TRUE || json_type_of(d, v) == JSON_FALSE) {
			size_t l;
			const char *s = json_raw(d, v, &l);
			eq = l == strlen(c->value) && !memcmp(s, c->value, l);
		}
		if (eq == c->negate) return 0;
	}
	return 1;
}

/* The output record: messages and the kept fields. */
static void out_record(blend *b, json_doc *d, const char *line, size_t len, jbuf *o)
{
	jbuf_reset(o);
	if (json_parse(d, line, len)) cli_fatal(&b->c, "spool changed under us");
	jbuf_putc(o, '{');
	int first = 1;
	JSON_FOR_MEMBERS(d, 0, k, v, i) {
		(void)i;
		int keep = json_str_eq(d, k, "messages", 8);
		for (int j = 0; j < b->nkeep && !keep; j++) keep = json_str_eq(d, k, b->keep[j], strlen(b->keep[j]));
		if (!keep) continue;
		if (!first) jbuf_putc(o, ',');
		first = 0;
		json_write_raw(o, d, k);
		jbuf_putc(o, ':');
		json_write_raw(o, d, v);
	}
	jbuf_putc(o, '}');
}

static void write_set(blend *b, int spool, const char *dir, const char *name, const uint32_t *idx, size_t n, char hex[65])
{
	char path[4096], tmp[4200];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid());
	jsonl_writer w;
	if (jsonl_writer_open(&w, tmp)) cli_fatal(&b->c, "%s: %m", tmp);
	json_doc d;
	json_doc_init(&d);
	jbuf o = {0}, rec = {0};
	sha256_ctx sc;
	sha256_init(&sc);
	for (size_t i = 0; i < n; i++) {
		uint32_t r = idx[i];
		jbuf_reset(&rec);
		jbuf_reserve(&rec, b->len[r] + 1);
		if (pread(spool, rec.p, b->len[r], (off_t)b->off[r]) != (ssize_t)b->len[r]) cli_fatal(&b->c, "spool: read error");
		rec.len = b->len[r];
		out_record(b, &d, rec.p, rec.len, &o);
		jbuf_putc(&o, '\n');
		sha256_update(&sc, o.p, o.len);
		if (jsonl_write(&w, o.p, o.len)) cli_fatal(&b->c, "%s: %m", tmp);
	}
	if (jsonl_writer_close(&w)) cli_fatal(&b->c, "%s: %m", tmp);
	if (rename(tmp, path)) cli_fatal(&b->c, "%s: %m", path);
	unsigned char dg[32];
	sha256_final(&sc, dg);
	sha256_hex(dg, hex);
	json_doc_free(&d);
	jbuf_free(&o);
	jbuf_free(&rec);
}

int main(int argc, char **argv)
{
	enum { O_SEED = CLI_OPT_TOOL_BASE, O_VAL, O_KEEP, O_LOCK };
	static const struct option opts[] = {
		CLI_COMMON_OPTIONS,
		{"recipe", required_argument, 0, 'r'},
		{"out-dir", required_argument, 0, 'o'},
		{"seed", required_argument, 0, O_SEED},
		{"val", required_argument, 0, O_VAL},
		{"keep-fields", required_argument, 0, O_KEEP},
		{"lock", required_argument, 0, O_LOCK},
		{0, 0, 0, 0},
	};
	blend b;
	memset(&b, 0, sizeof b);
	const char *recipe = NULL, *outdir = NULL, *lock = NULL;
	double val = 0;
	int val_is_count = 0, o, seed_opt = 0;
	uint64_t seed_cli = 0;
	cli_init(&b.c, "blend", usage, argc, argv);
	while ((o = getopt_long(argc, argv, CLI_COMMON_SHORT "r:o:", opts, NULL)) != -1) {
		if (cli_common_opt(&b.c, o, optarg)) continue;
		char *e;
		switch (o) {
		case 'r': recipe = optarg; break;
		case 'o': outdir = optarg; break;
		case O_SEED:
			seed_cli = strtoull(optarg, &e, 10);
			if (*e || !*optarg) cli_usage_error(&b.c, "--seed: a number, not '%s'", optarg);
			seed_opt = 1;
			break;
		case O_VAL:
			val = strtod(optarg, &e);
			if (*e || val < 0) cli_usage_error(&b.c, "--val: a fraction or a count, not '%s'", optarg);
			val_is_count = val >= 1;
			break;
		case O_KEEP:
			for (char *t = strtok(optarg, ","); t; t = strtok(NULL, ",")) {
				b.keep = xrealloc(b.keep, (size_t)(b.nkeep + 1) * sizeof *b.keep);
				b.keep[b.nkeep++] = t;
			}
			break;
		case O_LOCK: lock = optarg; break;
		default: cli_usage_error(&b.c, NULL);
		}
	}
	if (!recipe || !outdir) cli_usage_error(&b.c, "--recipe and --out-dir are required");
	read_recipe(&b, recipe);
	if (seed_opt) b.seed = seed_cli;
	if (mkdir(outdir, 0755) && errno != EEXIST) cli_fatal(&b.c, "%s: %m", outdir);

	/* pass 1: spool every record, index it under its part */
	cli_open_output(&b.c, optind);
	char sp[4200];
	const char *td = getenv("TMPDIR");
	snprintf(sp, sizeof sp, "%s/sftkit-blend.XXXXXX", td && *td ? td : "/tmp");
	int spool = mkstemp(sp);
	if (spool < 0) cli_fatal(&b.c, "%s: %m", sp);
	unlink(sp);
	jsonl_writer sw;
	jsonl_writer_init(&sw, spool);
	uint64_t pos = 0, unmatched = 0;
	const char *line;
	size_t len;
	jbuf inputs = {0};
	const char *last_file = NULL;
	while (cli_next_record(&b.c, &line, &len)) {
		if (b.c.cur_file != last_file) {
			last_file = b.c.cur_file;
			jbuf_printf(&inputs, "%s%s", inputs.len ? "\n" : "", last_file ? last_file : "-");
		}
		int k = 0;
		while (k < b.nparts && !matches(&b.c.doc, &b.parts[k])) k++;
		if (k == b.nparts) { unmatched++; cli_drop(&b.c, line, len, "no_part", NULL); continue; }
		if (b.n == b.cap) {
			b.cap = b.cap ? b.cap * 2 : 4096;
			b.off = xrealloc(b.off, b.cap * sizeof *b.off);
			b.len = xrealloc(b.len, b.cap * sizeof *b.len);
		}
		b.off[b.n] = pos;
		b.len[b.n] = (uint32_t)len;
		part *p = &b.parts[k];
		if (p->n == p->cap) { p->cap = p->cap ? p->cap * 2 : 1024; p->recs = xrealloc(p->recs, p->cap * sizeof *p->recs); }
		p->recs[p->n++] = (uint32_t)b.n++;
		if (jsonl_write_line(&sw, line, len)) cli_fatal(&b.c, "spool: %m");
		pos += len + 1;
	}
	if (jsonl_writer_close(&sw)) cli_fatal(&b.c, "spool: %m");

	/* draw each part */
	rng r;
	rng_seed(&r, b.seed);
	uint32_t *train = NULL, *valid = NULL;
	size_t ntrain = 0, nval = 0, cap_t = 0, cap_v = 0;
	uint64_t total_taken = 0, fixed = 0;
	double shares = 0;
	for (int k = 0; k < b.nparts; k++) {
		part *p = &b.parts[k];
		if (p->percent > 0) p->count = (uint64_t)llround(p->n * p->percent / 100.0);
		if (p->share > 0) shares += p->share / 100.0;
		else fixed += p->count;
	}
	if (shares >= 1.0 - 1e-9 && fixed) cli_fatal(&b.c, "%s: the shares of the total add up to 100%% or more, with other parts besides", recipe);
	if (shares > 1.0 + 1e-9) cli_fatal(&b.c, "%s: the shares of the total add up to more than 100%%", recipe);
	if (shares > 0) {
		/* the whole: what the fixed parts leave for the shares; with shares
		 * only, the largest blend no share part has to repeat for */
		double total = 0;
		if (fixed) total = fixed / (1.0 - shares);
		else {
			total = -1;
			for (int k = 0; k < b.nparts; k++)
				if (b.parts[k].share > 0) {
					double t = b.parts[k].n / (b.parts[k].share / 100.0);
					if (total < 0 || t < total) total = t;
				}
		}
		for (int k = 0; k < b.nparts; k++)
			if (b.parts[k].share > 0) b.parts[k].count = (uint64_t)llround(total * b.parts[k].share / 100.0);
	}
	for (int k = 0; k < b.nparts; k++) total_taken += b.parts[k].count;
	for (int k = 0; k < b.nparts; k++) {
		part *p = &b.parts[k];
		rng pr;
		rng_seed(&pr, b.seed ^ (0xA5A5A5A5ull * (uint64_t)(k + 1)));   /* a part's draw does not depend on the others' sizes */
		uint32_t *pick = xmalloc((p->count ? p->count : 1) * sizeof *pick);
		size_t np = 0;
		uint64_t v = 0;
		if (p->count && !p->n) {
			cli_warn(&b.c, "part %s: 0 records available for %llu requested (shortfall %llu)", p->name,
				 (unsigned long long)p->count, (unsigned long long)p->count);
		} else if (p->count) {
			/* validation: in proportion to what the part gives */
			uint64_t v0 = 0;
			if (val_is_count && total_taken) v0 = (uint64_t)llround(val * (double)p->count / (double)total_taken);
			else if (!val_is_count) v0 = (uint64_t)llround(val * (double)p->count);
			if (v0 > p->count) v0 = p->count;
			uint32_t *perm = xmalloc(p->n * sizeof *perm);
			memcpy(perm, p->recs, p->n * sizeof *perm);
			if (p->count <= p->n) {
				/* a draw without replacement: the first count of a shuffle */
				for (uint64_t i = 0; i < p->count; i++) {
					size_t j = i + rng_below(&pr, p->n - i);
					uint32_t t = perm[i]; perm[i] = perm[j]; perm[j] = t;
					pick[np++] = perm[i];
				}
				shuffle(&pr, pick, np);
			} else {
				/* more than the part has: validation takes distinct records
				 * first, then the training side repeats whole epochs of the
				 * others and samples the remainder, so no record is on both */
				shuffle(&pr, perm, p->n);
				if (v0 >= p->n) v0 = p->n - 1;
				for (uint64_t i = 0; i < v0; i++) pick[np++] = perm[i];
				size_t m = p->n - (size_t)v0;
				uint64_t need = p->count - v0;
				p->epochs = need / m;
				cli_warn(&b.c, "part %s: %llu requested from %zu available: %llu whole epoch(s) and a sample of %llu",
					 p->name, (unsigned long long)p->count, p->n, (unsigned long long)p->epochs, (unsigned long long)(need % m));
				uint32_t *pool = perm + v0;
				size_t ts = np;
				for (uint64_t e = 0; e < p->epochs; e++)
					for (size_t i = 0; i < m; i++) pick[np++] = pool[i];
				for (uint64_t i = 0; i < need % m; i++) {
					size_t j = i + rng_below(&pr, m - i);
					uint32_t t = pool[i]; pool[i] = pool[j]; pool[j] = t;
					pick[np++] = pool[i];
				}
				shuffle(&pr, pick + ts, np - ts);
			}
			free(perm);
			v = v0;
		}
		p->taken = np;
		p->val = v;
		if (nval + v > cap_v) { cap_v = (nval + v) * 2; valid = xrealloc(valid, cap_v * sizeof *valid); }
		if (v) memcpy(valid + nval, pick, v * sizeof *pick);
		nval += v;
		if (ntrain + np - v > cap_t) { cap_t = (ntrain + np - v) * 2 + 16; train = xrealloc(train, cap_t * sizeof *train); }
		if (np > v) memcpy(train + ntrain, pick + v, (np - v) * sizeof *pick);
		ntrain += np - v;
		free(pick);
	}
	shuffle(&r, train, ntrain);
	shuffle(&r, valid, nval);
	char htrain[65], hval[65];
	write_set(&b, spool, outdir, "train.jsonl", train, ntrain, htrain);
	write_set(&b, spool, outdir, "validation.jsonl", valid, nval, hval);
	/* the summary: kept = distinct records drawn; the others were not drawn */
	uint64_t distinct = 0;
	for (int k = 0; k < b.nparts; k++) distinct += b.parts[k].taken < b.parts[k].n ? b.parts[k].taken : b.parts[k].n;
	b.c.n_kept = distinct;
	b.c.n_dropped += b.n - distinct;
	cli_count(&b.c, "not_drawn", b.n - distinct);

	/* manifest */
	jbuf m = {0};
	jbuf_puts(&m, "{\n  \"tool\": \"blend\",\n  \"version\": \"" SFTKIT_VERSION "\",\n");
	jbuf_printf(&m, "  \"seed\": %llu,\n  \"recipe_file\": ", (unsigned long long)b.seed);
	json_write_str(&m, recipe, strlen(recipe));
	jbuf_puts(&m, ",\n  \"recipe\": ");
	json_write_str(&m, b.recipe_text.p ? b.recipe_text.p : "", b.recipe_text.len);
	jbuf_printf(&m, ",\n  \"validation\": %g,\n  \"parts\": [\n", val);
	for (int k = 0; k < b.nparts; k++) {
		part *p = &b.parts[k];
		jbuf_puts(&m, "    {\"name\": ");
		json_write_str(&m, p->name, strlen(p->name));
		jbuf_puts(&m, ", \"where\": [");
		for (int i = 0; i < p->nconds; i++) {
			char cbuf[600];
			snprintf(cbuf, sizeof cbuf, "%s%s=%s", p->conds[i].field, p->conds[i].negate ? "!" : "", p->conds[i].value);
			if (i) jbuf_puts(&m, ", ");
			json_write_str(&m, cbuf, strlen(cbuf));
		}
		jbuf_printf(&m, "], \"requested\": %llu, \"available\": %zu, \"taken\": %llu, \"train\": %llu, \"validation\": %llu, \"epochs\": %llu, \"shortfall\": %llu}%s\n",
			    (unsigned long long)p->count, p->n, (unsigned long long)p->taken,
			    (unsigned long long)(p->taken - p->val), (unsigned long long)p->val, (unsigned long long)p->epochs,
			    (unsigned long long)(p->count > p->taken ? p->count - p->taken : 0), k + 1 < b.nparts ? "," : "");
	}
	jbuf_printf(&m, "  ],\n  \"unmatched\": %llu,\n  \"inputs\": [", (unsigned long long)unmatched);
	if (inputs.len) {
		char *save = NULL, *copy = xstrdup(inputs.p);
		int first = 1;
		for (char *t = strtok_r(copy, "\n", &save); t; t = strtok_r(NULL, "\n", &save)) {
			char hex[65] = "";
			int ok = strcmp(t, "-") && strcmp(t, "<stdin>") && sha256_file_hex(t, hex) == 0;
			jbuf_printf(&m, "%s\n    {\"path\": ", first ? "" : ",");
			first = 0;
			json_write_str(&m, t, strlen(t));
			if (ok) jbuf_printf(&m, ", \"sha256\": \"%s\"}", hex);
			else jbuf_puts(&m, ", \"sha256\": null}");
		}
		free(copy);
	}
	jbuf_printf(&m, "\n  ],\n  \"outputs\": [\n    {\"path\": \"train.jsonl\", \"records\": %zu, \"sha256\": \"%s\"},\n"
		    "    {\"path\": \"validation.jsonl\", \"records\": %zu, \"sha256\": \"%s\"}\n  ],\n  \"lock\": [",
		    ntrain, htrain, nval, hval);
	if (lock) {
		FILE *lf = fopen(lock, "r");
		if (!lf) cli_fatal(&b.c, "%s: %m", lock);
		char *l = NULL;
		size_t lc = 0;
		ssize_t ln;
		int first = 1;
		json_doc d;
		json_doc_init(&d);
		while ((ln = getline(&l, &lc, lf)) > 0) {
			while (ln && (l[ln - 1] == '\n' || l[ln - 1] == '\r')) ln--;
			if (!ln) continue;
			if (json_parse(&d, l, ln)) cli_fatal(&b.c, "%s: not JSON lines", lock);
			jbuf_printf(&m, "%s\n    ", first ? "" : ",");
			first = 0;
			json_write_compact(&m, &d, 0);
		}
		json_doc_free(&d);
		free(l);
		fclose(lf);
		jbuf_puts(&m, "\n  ");
	}
	jbuf_puts(&m, "]\n}\n");
	char mp[4200], mt[4300];
	snprintf(mp, sizeof mp, "%s/manifest.json", outdir);
	snprintf(mt, sizeof mt, "%s.tmp.%ld", mp, (long)getpid());
	FILE *mf = fopen(mt, "w");
	if (!mf || fwrite(m.p, 1, m.len, mf) != m.len || fclose(mf) || rename(mt, mp)) cli_fatal(&b.c, "%s: %m", mp);
	jbuf_free(&m);
	jbuf_free(&inputs);
	close(spool);
	free(train);
	free(valid);
	for (int k = 0; k < b.nparts; k++) {
		free(b.parts[k].name);
		for (int i = 0; i < b.parts[k].nconds; i++) { free(b.parts[k].conds[i].field); free(b.parts[k].conds[i].value); }
		free(b.parts[k].conds);
		free(b.parts[k].recs);
	}
	free(b.parts);
	free(b.off);
	free(b.len);
	free(b.keep);
	jbuf_free(&b.recipe_text);
	return cli_finish(&b.c);
}
