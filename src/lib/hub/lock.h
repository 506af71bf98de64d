/*
 * lock.h — hf-fetch's lock file: the commit each Hub repo was fetched at, so
 * a build can be repeated at the same revisions. hf-fetch reads and appends
 * it, blend copies it into its manifest; this module is the format's one owner.
 *
 * Format: one JSON object per line, as hf-fetch writes them,
 *     {"repo":"org/name","kind":"datasets","revision":"main","commit":"<sha>"}
 * "repo" and "commit" are required strings; "kind" ("datasets" or "models")
 * may be absent (the line then pins the repo of either kind); other members
 * are kept and ignored. Blank lines (only spaces, tabs or CR) are skipped. A
 * lock file is at most HUB_LOCK_MAX bytes.
 *
 * Memory: returned strings are malloc'd and the caller's. Errors: -1 with a
 * message "path:line: what" (or "path: what") in err; nothing is printed.
 * Thread-safety: no shared state; hub_lock_record serializes writers of one
 * file (threads or processes) with flock.
 */
#ifndef SFTKIT_HUB_LOCK_H
#define SFTKIT_HUB_LOCK_H

#include <stddef.h>

#include "json.h"
#include "util.h"

#define HUB_LOCK_MAX (64 << 20)

/* Called for each lock line: d's root (node 0) is the line's object, which
 * holds string members "repo" and "commit". Return non-zero to stop. */
typedef int (*hub_lock_fn)(void *ctx, const json_doc *d, unsigned line);

/* Walk text (a lock file's contents, path for messages). 0 when every line
 * is a lock line (or fn stopped the walk), else -1 with the first bad line. */
int hub_lock_each(const char *text, size_t len, const char *path, hub_lock_fn fn, void *ctx,
		  char *err, size_t errlen);

/* The whole file path into *text (malloc'd, *len bytes). -1 with errno set
 * and err "path: what" (EFBIG: "more than 64 MiB: not a lock file"). */
int hub_lock_load(const char *path, char **text, size_t *len, char *err, size_t errlen);

/* The commit text pins for repo id of kind: 1 with *commit set (malloc'd),
 * 0 when no line names it, -1 on a bad line. */
int hub_lock_find(const char *text, size_t len, const char *path, const char *kind, const char *id,
		  char **commit, char *err, size_t errlen);

/* hub_lock_find on the file path, for hf-fetch's --lock: a file that is
 * missing or cannot be read pins nothing (0; hub_lock_record then creates it
 * or says why not), one past HUB_LOCK_MAX or with a bad line is an error. */
int hub_lock_pin(const char *path, const char *kind, const char *id, char **commit, char *err, size_t errlen);

/* The lock lines as a JSON array appended to out (blend's manifest "lock"):
 * each line re-encoded compact, one per line indented by four spaces. */
int hub_lock_json(const char *text, size_t len, const char *path, strbuf *out, char *err, size_t errlen);

/* Append repo id's line to the lock file path (created when missing) unless
 * one is there already, under an exclusive flock so that parallel pipelines
 * share one file. The line is written whole and fsynced, or not at all: on a
 * failed write the file is cut back, and removed when this call created it.
 * 1 when a line was added, 0 when there was one, -1 on error. */
int hub_lock_record(const char *path, const char *kind, const char *id, const char *revision,
		    const char *commit, char *err, size_t errlen);

#endif
