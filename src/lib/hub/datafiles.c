/* datafiles.c — configs and splits as `datasets` resolves them. See datafiles.h. */
#include "hub/datafiles.h"
#include "hub/yaml.h"
#include "util.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- glob ---- */

static int class_match(const char **pp, char c)
{
	const char *p = *pp + 1;
	int neg = 0, ok = 0;
	if (*p == '!' || *p == '^') neg = 1, p++;
	int first = 1;
	for (; *p && (first || *p != ']'); p++, first = 0) {
		if (p[1] == '-' && p[2] && p[2] != ']') {
			if ((unsigned char)c >= (unsigned char)p[0] && (unsigned char)c <= (unsigned char)p[2]) ok = 1;
			p += 2;
		} else if (*p == c) ok = 1;
	}
	if (*p != ']') return -1;   /* unterminated: treat '[' literally */
	*pp = p + 1;
	return ok != neg;
}

/* Glob matching as a walk over (pattern position, path position) states with
 * the failed ones remembered: a star either ends or eats one more character,
 * so each state is decided once and a hostile pattern (a README is input)
 * costs at most pattern x path steps, never exponential time. */
typedef struct gm { const char *p, *s; size_t pl, sl; unsigned char *memo; } gm;

static int gmatch(gm *g, size_t pi, size_t si)
{
	unsigned char *m = &g->memo[pi * (g->sl + 1) + si];
	if (*m) return *m - 1;
	int r;
	const char *p = g->p, *s = g->s;
	if (pi == g->pl) r = si == g->sl;
	else if (p[pi] == '*' && pi + 1 < g->pl && p[pi + 1] == '*') {
		size_t next = pi + 2;
		int slash = next < g->pl && p[next] == '/';
		if (slash) next++;
		/* a double star then slash matches zero or more whole segments; a bare double star, anything */
		r = ((!slash || si == 0 || s[si - 1] == '/') && gmatch(g, next, si)) || (si < g->sl && gmatch(g, pi, si + 1));
	} else if (p[pi] == '*') {
		r = gmatch(g, pi + 1, si) || (si < g->sl && s[si] != '/' && gmatch(g, pi, si + 1));
	} else if (si == g->sl) {
		r = 0;
	} else if (p[pi] == '?') {
		r = s[si] != '/' && gmatch(g, pi + 1, si + 1);
	} else {
		r = -1;
		if (p[pi] == '[') {
			const char *q = p + pi;
			int c = class_match(&q, s[si]);
			if (c >= 0) r = c && s[si] != '/' && gmatch(g, (size_t)(q - p), si + 1);
		}
		if (r < 0) r = p[pi] == s[si] && gmatch(g, pi + 1, si + 1);
	}
	*m = (unsigned char)(r + 1);
	return r;
}

int datafiles_glob_match(const char *pattern, const char *path)
{
	gm g = { pattern, path, strlen(pattern), strlen(path), NULL };
	if (g.pl > 4096 || g.sl > 4096) return 0;   /* no repo path or pattern is that long */
	g.memo = xcalloc((g.pl + 1) * (g.sl + 1), 1);
	int r = gmatch(&g, 0, 0);
	free(g.memo);
	return r;
}

static int ends_with(const char *s, const char *suf)
{
	size_t n = strlen(s), m = strlen(suf);
	return n >= m && !strcasecmp(s + n - m, suf);
}

int datafiles_is_data_file(const char *path)
{
	const char *base = strrchr(path, '/');
	base = base ? base + 1 : path;
	if (base[0] == '.') return 0;
	static const char *const ext[] = { ".parquet", ".jsonl", ".json", ".ndjson" };
	static const char *const comp[] = { "", ".gz", ".zst" };
	for (size_t i = 0; i < sizeof ext / sizeof *ext; i++)
		for (size_t j = 0; j < sizeof comp / sizeof *comp; j++) {
			if (i == 0 && j) continue;
			char suf[32];
			snprintf(suf, sizeof suf, "%s%s", ext[i], comp[j]);
			if (ends_with(base, suf)) return 1;
		}
	return 0;
}

/* ---- cards ---- */

static void split_add_pattern(datafiles_split *sp, const char *pat)
{
	sp->patterns = xrealloc(sp->patterns, (size_t)(sp->npatterns + 1) * sizeof *sp->patterns);
	sp->patterns[sp->npatterns++] = xstrdup(pat);
}

static datafiles_split *config_split(datafiles_config *c, const char *name)
{
	for (int i = 0; i < c->nsplits; i++)
		if (!strcmp(c->splits[i].name, name)) return &c->splits[i];
	c->splits = xrealloc(c->splits, (size_t)(c->nsplits + 1) * sizeof *c->splits);
	datafiles_split *sp = &c->splits[c->nsplits++];
	memset(sp, 0, sizeof *sp);
	sp->name = xstrdup(name);
	return sp;
}

static int add_paths(datafiles_split *sp, const ynode *v, char *err, size_t errlen)
{
	if (v->type == Y_SCALAR) { split_add_pattern(sp, v->str); return 0; }
	if (v->type == Y_SEQ) {
		for (int i = 0; i < v->n; i++) {
			if (v->vals[i]->type != Y_SCALAR) {
				snprintf(err, errlen, "README.md: YAML line %d: data_files path is not a string", v->vals[i]->line);
				return -1;
			}
			split_add_pattern(sp, v->vals[i]->str);
		}
		return 0;
	}
	snprintf(err, errlen, "README.md: YAML line %d: data_files path is neither a string nor a list", v->line);
	return -1;
}

/* The top-level `configs:` block of the front matter alone: the rest of a card
 * (dataset_info, long descriptions) is free-form YAML we need not read. */
static char *configs_block(const char *y, size_t n, int *first_line)
{
	const char *end = y + n;
	int line = 1;
	for (const char *s = y; s < end; line++) {
		const char *e = memchr(s, '\n', end - s);
		if (!e) e = end;
		if ((size_t)(e - s) >= 8 && !memcmp(s, "configs:", 8)) {
			const char *b = s;
			const char *t = e < end ? e + 1 : end;
			while (t < end) {
				const char *te = memchr(t, '\n', end - t);
				if (!te) te = end;
				if (te > t && !isspace((unsigned char)*t) && *t != '#' && *t != '-') break;
				t = te < end ? te + 1 : end;
			}
			*first_line = line;
			char *out = xmalloc(t - b + 1);
			memcpy(out, b, t - b);
			out[t - b] = 0;
			return out;
		}
		s = e < end ? e + 1 : end;
	}
	return NULL;
}

int datafiles_from_card(const char *md, size_t len, datafiles_card *card, char *err, size_t errlen)
{
	memset(card, 0, sizeof *card);
	size_t ylen;
	const char *y = yaml_front_matter(md, len, &ylen);
	if (!y) return 0;
	int line0 = 1;
	char *blk = configs_block(y, ylen, &line0);
	if (!blk) return 0;
	char yerr[200];
	ynode *root = yaml_parse(blk, strlen(blk), yerr, sizeof yerr);
	free(blk);
	if (!root) {
		snprintf(err, errlen, "README.md: configs: %s (block starting at front-matter line %d)", yerr, line0);
		return -1;
	}
	int rc = -1;
	const ynode *cfgs = yaml_get(root, "configs");
	if (!cfgs || cfgs->type != Y_SEQ) {
		snprintf(err, errlen, "README.md: configs: is not a list");
		goto out;
	}
	for (int i = 0; i < cfgs->n; i++) {
		const ynode *c = cfgs->vals[i];
		if (c->type != Y_MAP) {
			snprintf(err, errlen, "README.md: YAML line %d: a config is not a mapping", c->line);
			goto out;
		}
		const ynode *name = yaml_get(c, "config_name");
		card->configs = xrealloc(card->configs, (size_t)(card->n + 1) * sizeof *card->configs);
		datafiles_config *cf = &card->configs[card->n++];
		memset(cf, 0, sizeof *cf);
		cf->name = xstrdup(name && name->type == Y_SCALAR ? name->str : "default");
		const ynode *def = yaml_get(c, "default");
		cf->is_default = def && def->type == Y_SCALAR && !strcasecmp(def->str, "true");
		const ynode *dd = yaml_get(c, "data_dir");
		if (dd && dd->type == Y_SCALAR && *dd->str) cf->data_dir = xstrdup(dd->str);
		const ynode *df = yaml_get(c, "data_files");
		if (!df) {
			/* data_dir alone: every data file under it, split "train" */
			split_add_pattern(config_split(cf, "train"), "**");
			continue;
		}
		if (df->type == Y_SCALAR || (df->type == Y_SEQ && df->n && df->vals[0]->type == Y_SCALAR)) {
			if (add_paths(config_split(cf, "train"), df, err, errlen)) goto out;
			continue;
		}
		if (df->type != Y_SEQ) {
			snprintf(err, errlen, "README.md: YAML line %d: data_files is not a string or a list", df->line);
			goto out;
		}
		for (int k = 0; k < df->n; k++) {
			const ynode *e = df->vals[k];
			const ynode *sp = e->type == Y_MAP ? yaml_get(e, "split") : NULL;
			const ynode *pa = e->type == Y_MAP ? yaml_get(e, "path") : NULL;
			if (!pa) {
				snprintf(err, errlen, "README.md: YAML line %d: a data_files entry needs a path", e->line);
				goto out;
			}
			const char *sname = sp && sp->type == Y_SCALAR ? sp->str : "train";
			if (add_paths(config_split(cf, sname), pa, err, errlen)) goto out;
		}
	}
	rc = 0;
out:
	yaml_free(root);
	if (rc) datafiles_card_free(card);
	return rc;
}

static const char *const kw_train[] = { "train", "training", NULL };
static const char *const kw_val[] = { "validation", "valid", "dev", "val", NULL };
static const char *const kw_test[] = { "test", "testing", "eval", "evaluation", NULL };

/* Does path name the keyword as a file-name or directory word? */
static int path_has_keyword(const char *path, const char *kw)
{
	size_t k = strlen(kw);
	for (const char *s = path; (s = strstr(s, kw)); s++) {
		int before = s == path || strchr("/-._ 0123456789", s[-1]);
		char a = s[k];
		int after = a == 0 || strchr("/-._ 0123456789", a);
		/* datasets matches the keyword as a whole word between separators */
		if (before && after) return 1;
	}
	return 0;
}

void datafiles_from_patterns(const char *const *paths, size_t n, datafiles_card *card)
{
	memset(card, 0, sizeof *card);
	card->configs = xcalloc(1, sizeof *card->configs);
	card->n = 1;
	datafiles_config *cf = &card->configs[0];
	cf->name = xstrdup("default");
	cf->is_default = 1;
	/* data/{split}-NNNNN-of-NNNNN* */
	for (size_t i = 0; i < n; i++) {
		const char *p = paths[i];
		if (!datafiles_is_data_file(p) || strncmp(p, "data/", 5)) continue;
		const char *base = p + 5;
		if (strchr(base, '/')) continue;
		const char *of = strstr(base, "-of-");
		if (!of || of - base < 7) continue;
		const char *num = of - 5;
		int ok = num[-1] == '-';
		for (int d = 0; d < 5 && ok; d++) ok = isdigit((unsigned char)num[d]) && isdigit((unsigned char)of[4 + d]);
		if (!ok) continue;
		char name[256];
		snprintf(name, sizeof name, "%.*s", (int)(num - 1 - base), base);
		datafiles_split *sp = config_split(cf, name);
		char pat[400];
		snprintf(pat, sizeof pat, "data/%s-[0-9][0-9][0-9][0-9][0-9]-of-[0-9][0-9][0-9][0-9][0-9]*", name);
		if (!sp->npatterns) split_add_pattern(sp, pat);
	}
	if (cf->nsplits) return;
	/* split keywords in file or directory names */
	static const char *const *const kws[] = { kw_train, kw_val, kw_test };
	static const char *const names[] = { "train", "validation", "test" };
	for (size_t i = 0; i < n; i++) {
		if (!datafiles_is_data_file(paths[i])) continue;
		char *low = xstrdup(paths[i]);
		for (char *s = low; *s; s++) *s = tolower((unsigned char)*s);
		for (int g = 0; g < 3; g++)
			for (int k = 0; kws[g][k]; k++)
				if (path_has_keyword(low, kws[g][k])) {
					split_add_pattern(config_split(cf, names[g]), paths[i]);
					g = 3;
					break;
				}
		free(low);
	}
	if (cf->nsplits) return;
	datafiles_split *sp = config_split(cf, "train");
	for (size_t i = 0; i < n; i++)
		if (datafiles_is_data_file(paths[i])) split_add_pattern(sp, paths[i]);
}

void datafiles_card_free(datafiles_card *card)
{
	for (int i = 0; i < card->n; i++) {
		datafiles_config *c = &card->configs[i];
		for (int s = 0; s < c->nsplits; s++) {
			for (int p = 0; p < c->splits[s].npatterns; p++) free(c->splits[s].patterns[p]);
			free(c->splits[s].patterns);
			free(c->splits[s].name);
		}
		free(c->splits);
		free(c->name);
		free(c->data_dir);
	}
	free(card->configs);
	memset(card, 0, sizeof *card);
}

const datafiles_config *datafiles_pick_config(const datafiles_card *card, const char *name, char *err, size_t errlen)
{
	strbuf names = {0};
	for (int i = 0; i < card->n; i++) {
		if (name && !strcmp(card->configs[i].name, name)) { strbuf_free(&names); return &card->configs[i]; }
		strbuf_printf(&names, "%s%s", i ? ", " : "", card->configs[i].name);
	}
	const datafiles_config *pick = NULL;
	if (!name) {
		for (int i = 0; i < card->n && !pick; i++)
			if (card->configs[i].is_default) pick = &card->configs[i];
		for (int i = 0; i < card->n && !pick; i++)
			if (!strcmp(card->configs[i].name, "default")) pick = &card->configs[i];
		if (!pick && card->n == 1) pick = &card->configs[0];
	}
	if (!pick) {
		if (name) snprintf(err, errlen, "no config '%s'; configs: %s", name, names.p ? names.p : "(none)");
		else snprintf(err, errlen, "several configs and none is the default: choose one with --config (%s)", names.p ? names.p : "");
	}
	strbuf_free(&names);
	return pick;
}

const datafiles_split *datafiles_pick_split(const datafiles_config *cfg, const char *name, char *err, size_t errlen)
{
	const char *want = name ? name : "train";
	for (int i = 0; i < cfg->nsplits; i++)
		if (!strcmp(cfg->splits[i].name, want)) return &cfg->splits[i];
	if (!name && cfg->nsplits == 1) return &cfg->splits[0];
	strbuf names = {0};
	for (int i = 0; i < cfg->nsplits; i++) strbuf_printf(&names, "%s%s", i ? ", " : "", cfg->splits[i].name);
	snprintf(err, errlen, "config '%s' has no split '%s'; splits: %s", cfg->name, want, names.p ? names.p : "(none)");
	strbuf_free(&names);
	return NULL;
}

size_t datafiles_split_files(const datafiles_config *cfg, const datafiles_split *sp, const char *const *paths, size_t n, size_t *idx)
{
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		if (!datafiles_is_data_file(paths[i])) continue;
		const char *p = paths[i];
		if (cfg->data_dir) {
			size_t dl = strlen(cfg->data_dir);
			while (dl && cfg->data_dir[dl - 1] == '/') dl--;
			if (strncmp(p, cfg->data_dir, dl) || p[dl] != '/') continue;
			p += dl + 1;
		}
		for (int j = 0; j < sp->npatterns; j++) {
			const char *pat = sp->patterns[j];
			while (pat[0] == '.' && pat[1] == '/') pat += 2;
			/* a pattern naming a directory means the files under it */
			if (datafiles_glob_match(pat, p)) { idx[k++] = i; break; }
			size_t pl = strlen(pat);
			if (pl && !strchr(pat, '*') && !strncmp(p, pat, pl) && (p[pl] == '/' || pat[pl - 1] == '/')) { idx[k++] = i; break; }
		}
	}
	return k;
}
