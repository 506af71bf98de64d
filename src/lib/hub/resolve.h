/*
 * resolve.h — which files of a dataset repo hf-fetch reads: a --files glob,
 * or a config and split resolved from the dataset card (hub/datafiles.h), and
 * when the repo's own files for them are in no format sftkit reads, the
 * Hub's Parquet conversion of the same config and split (the dataset
 * viewer's refs/convert/parquet revision: the files "{config}/{split}/NAME.parquet", or
 * "{config}/partial-{split}/NAME.parquet" for a large split).
 *
 * Memory: a hub_pick's idx and note are malloc'd and freed by hub_pick_free;
 * hub_list_splits hands each line to fn, valid during the call.
 * Thread-safety: as the hub client (one thread). Errors: -1 with the whole
 * message in err (naming the dataset, the config and split, and the commit);
 * nothing is printed.
 */
#ifndef SFTKIT_HUB_RESOLVE_H
#define SFTKIT_HUB_RESOLVE_H

#include <stddef.h>

#include "hub/datafiles.h"
#include "hub/hub.h"

/* The repo's configs and splits: the card's `configs:` (README.md, fetched
 * into the cache) or, without them, the default file-name patterns. */
int hub_load_card(hub *h, const hub_repo *r, datafiles_card *card, char *err, size_t errlen);

typedef struct hub_pick {
	size_t *idx;     /* indexes into the repo's files, in path order */
	size_t n;
	char *note;      /* when the Parquet conversion was tried: what and why
	                    (the caller shows it), else NULL */
} hub_pick;

/* The files to read. glob (not NULL): the files matching it, at least one.
 * Else the config and split (NULL: the card's default, or the only one; train,
 * or the only one). When the Parquet conversion answers, *r is replaced by
 * that revision's repo (the old one freed), so idx indexes r->files. p->note
 * may be set on failure too (the conversion was tried and failed). */
int hub_pick_files(hub *h, hub_repo *r, const char *glob, const char *config, const char *split,
		   hub_pick *p, char *err, size_t errlen);
void hub_pick_free(hub_pick *p);

/* hf-fetch --list: one JSON object per config and split to fn, in the card's
 * order: {"config","split","default","commit","files":[paths],"bytes"}. */
int hub_list_splits(hub *h, const hub_repo *r, void (*fn)(void *ctx, const char *json, size_t len), void *ctx,
		    char *err, size_t errlen);

#endif
