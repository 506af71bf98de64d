/* resolve.c — a dataset's files for a config and split. See resolve.h. */
#include "hub/resolve.h"
#include "json.h"
#include "util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char **repo_paths(const hub_repo *r)
{
	const char **paths = xmalloc((r->nfiles + 1) * sizeof *paths);
	for (size_t i = 0; i < r->nfiles; i++) paths[i] = r->files[i].path;
	return paths;
}

int hub_load_card(hub *h, const hub_repo *r, datafiles_card *card, char *err, size_t errlen)
{
	const hub_file *readme = hub_repo_find(r, "README.md");
	memset(card, 0, sizeof *card);
	if (readme) {
		char *loc = NULL;
		if (hub_download_many(h, r, &readme, 1, 1, &loc)) return util_err_set(err, errlen, "%s", hub_error(h));
		FILE *fp = fopen(loc, "rb");
		if (!fp) {
			util_err_set(err, errlen, "%s: %s", loc, strerror(errno));
			free(loc);
			return -1;
		}
		strbuf b = STRBUF_INIT;
		char tmp[8192], why[512];
		size_t n;
		while ((n = fread(tmp, 1, sizeof tmp, fp)) > 0) strbuf_put(&b, tmp, n);
		fclose(fp);
		free(loc);
		int rc = datafiles_from_card(b.p ? b.p : "", b.len, card, why, sizeof why);
		strbuf_free(&b);
		if (rc) return util_err_set(err, errlen, "%s: %s", r->id, why);
	}
	if (!card->n) {
		const char **paths = repo_paths(r);
		datafiles_from_patterns(paths, r->nfiles, card);
		free(paths);
	}
	return 0;
}

/* The conversion's files for config cname, split sname, into p; *r becomes
 * the conversion's repo. */
static int pick_converted(hub *h, hub_repo *r, const char *cname, const char *sname, hub_pick *p,
			  char *err, size_t errlen)
{
	strbuf note = STRBUF_INIT;
	strbuf_printf(&note, "dataset %s: config '%s' split '%s' has no files sftkit can read; trying the Hub's "
		    "Parquet conversion (refs/convert/parquet)", r->id, cname, sname);
	p->note = strbuf_detach(&note, NULL);
	hub_repo conv;
	if (hub_repo_open(h, "datasets", r->id, "refs/convert/parquet", &conv)) {
		util_err_set(err, errlen, "dataset %s: config '%s' split '%s' has no data files sftkit can read "
			"(.parquet, .jsonl, .json, .ndjson, plain, .gz or .zst), and the Parquet conversion is "
			"not available: %s", r->id, cname, sname, hub_error(h));
		hub_repo_free(&conv);
		return -1;
	}
	hub_repo_free(r);
	*r = conv;
	free(p->idx);
	p->idx = xmalloc((r->nfiles + 1) * sizeof *p->idx);
	p->n = 0;
	char g1[600], g2[600];
	snprintf(g1, sizeof g1, "%s/%s/*.parquet", cname, sname);
	snprintf(g2, sizeof g2, "%s/partial-%s/*.parquet", cname, sname);
	for (size_t i = 0; i < r->nfiles; i++)
		if (datafiles_glob_match(g1, r->files[i].path) || datafiles_glob_match(g2, r->files[i].path)) p->idx[p->n++] = i;
	if (!p->n)
		return util_err_set(err, errlen, "dataset %s: the Parquet conversion has no files for config '%s' split '%s'",
			       r->id, cname, sname);
	return 0;
}

int hub_pick_files(hub *h, hub_repo *r, const char *glob, const char *config, const char *split,
		   hub_pick *p, char *err, size_t errlen)
{
	memset(p, 0, sizeof *p);
	p->idx = xmalloc((r->nfiles + 1) * sizeof *p->idx);
	if (glob) {
		for (size_t i = 0; i < r->nfiles; i++)
			if (datafiles_glob_match(glob, r->files[i].path)) p->idx[p->n++] = i;
		if (!p->n)
			return util_err_set(err, errlen, "dataset %s: no file matches '%s' at commit %s", r->id, glob, r->commit);
		return 0;
	}
	datafiles_card card;
	char why[512];
	if (hub_load_card(h, r, &card, err, errlen)) return -1;
	int rc = -1;
	const datafiles_config *cf = datafiles_pick_config(&card, config, why, sizeof why);
	const datafiles_split *sp = cf ? datafiles_pick_split(cf, split, why, sizeof why) : NULL;
	if (!sp) {
		util_err_set(err, errlen, "dataset %s: %s", r->id, why);
	} else {
		const char **paths = repo_paths(r);
		p->n = datafiles_split_files(cf, sp, paths, r->nfiles, p->idx);
		free(paths);
		rc = 0;
		/* The repo's own files are in a format sftkit does not read (or
		 * none match): the Hub's Parquet conversion of the same config
		 * and split, as the dataset viewer serves it. */
		if (!p->n) rc = pick_converted(h, r, cf->name, sp->name, p, err, errlen);
	}
	datafiles_card_free(&card);
	return rc;
}

void hub_pick_free(hub_pick *p)
{
	free(p->idx);
	free(p->note);
	memset(p, 0, sizeof *p);
}

int hub_list_splits(hub *h, const hub_repo *r, void (*fn)(void *ctx, const char *json, size_t len), void *ctx,
		    char *err, size_t errlen)
{
	datafiles_card card;
	if (hub_load_card(h, r, &card, err, errlen)) return -1;
	const char **paths = repo_paths(r);
	size_t *idx = xmalloc((r->nfiles + 1) * sizeof *idx);
	strbuf b = STRBUF_INIT;
	for (int i = 0; i < card.n; i++) {
		const datafiles_config *cf = &card.configs[i];
		for (int s = 0; s < cf->nsplits; s++) {
			size_t k = datafiles_split_files(cf, &cf->splits[s], paths, r->nfiles, idx);
			uint64_t bytes = 0;
			strbuf_reset(&b);
			strbuf_puts(&b, "{\"config\":");
			json_write_str(&b, cf->name, strlen(cf->name));
			strbuf_puts(&b, ",\"split\":");
			json_write_str(&b, cf->splits[s].name, strlen(cf->splits[s].name));
			strbuf_printf(&b, ",\"default\":%s,\"commit\":\"%s\",\"files\":[", cf->is_default ? "true" : "false",
				    r->commit);
			for (size_t j = 0; j < k; j++) {
				if (j) strbuf_putc(&b, ',');
				json_write_str(&b, paths[idx[j]], strlen(paths[idx[j]]));
				bytes += r->files[idx[j]].size;
			}
			strbuf_printf(&b, "],\"bytes\":%llu}", (unsigned long long)bytes);
			fn(ctx, b.p, b.len);
		}
	}
	strbuf_free(&b);
	free(idx);
	free(paths);
	datafiles_card_free(&card);
	return 0;
}
