/*
 * cache.h — huggingface_hub's cache layout, on disk, without the network:
 * what hf-fetch reads before it asks the Hub and writes after, so that
 * sftkit and huggingface_hub share one cache (hub.h lists the layout).
 *
 *   {root}/{kind}--{org}--{name}/refs/{rev}                 a branch's or tag's commit
 *   {root}/{kind}--{org}--{name}/blobs/{etag}               a file's content
 *   {root}/{kind}--{org}--{name}/snapshots/{commit}/{path}  relative symlink to the blob
 *   {root}/{kind}--{org}--{name}/.sftkit/tree-{commit}.jsonl  sftkit's listing of a commit
 *   {root}/.locks/{kind}--{org}--{name}/{etag}.lock         flock()ed while a blob is written
 *
 * The functions take a hub_repo whose cache_dir (hub_cache_repo_dir) and,
 * where a commit is involved, commit are set; none needs a hub client or
 * libcurl, so the layout is unit-tested on a temp directory.
 *
 * Memory: returned strings are malloc'd and the caller's; files added to a
 * repo are freed by hub_repo_files_free (or hub_repo_free). Errors: -1 with
 * errno set (the caller words the message), NULL for "not there". A cache is
 * shared between processes: files are written beside their place and renamed
 * over it, blobs under hub_cache_lock_blob. Thread-safety: no shared state.
 */
#ifndef SFTKIT_HUB_CACHE_H
#define SFTKIT_HUB_CACHE_H

#include <stddef.h>
#include <stdint.h>

#include "hub/hub.h"
#include "json.h"
#include "util.h"

/* {root}/{kind}--{org}--{name} for repo id ORG/NAME. */
char *hub_cache_repo_dir(const char *root, const char *kind, const char *id);
/* 1 when s is a full commit sha: 40 lowercase hex digits. */
int hub_cache_commit_ok(const char *s);

/* The commit refs/{rev} holds, or NULL (no such ref, or not a commit sha). */
char *hub_cache_read_ref(const hub_repo *r, const char *rev);
/* Write refs/{rev} (its directories made) atomically. */
int hub_cache_write_ref(const hub_repo *r, const char *rev, const char *commit);

/* The listing of r->commit: saved from r->files (a failure only costs a
 * request next time, so nothing is returned), loaded into r->files (sorted
 * as saved). Load: -1 when absent or damaged, r's files left empty. */
void hub_cache_save_listing(const hub_repo *r);
int hub_cache_load_listing(hub_repo *r);
/* Without a listing: the files under snapshots/{commit} (what another client
 * left), etags read from the blob links, sorted by path; -1 when none. */
int hub_cache_scan_snapshot(hub_repo *r);

char *hub_cache_snapshot_path(const hub_repo *r, const hub_file *f);
char *hub_cache_blob_path(const hub_repo *r, const hub_file *f);
/* Point f's snapshot path at its blob with a relative link, made beside it
 * and renamed over it (a reader sees the old link or the new, never none). */
int hub_cache_link(const hub_repo *r, const hub_file *f);
/* 1 when path (followed) is a regular file of size bytes. */
int hub_cache_file_ok(const char *path, uint64_t size);
/* 1 when etag may name a blob: 1 to 128 of [A-Za-z0-9_-]. */
int hub_cache_etag_ok(const char *etag);
/* huggingface_hub's lock of a blob, {root}/.locks/{repo folder}/{etag}.lock,
 * flock()ed exclusively as its filelock does: blocks until free, returns the
 * descriptor (close it to release) or -1 with errno. */
int hub_cache_lock_blob(const char *root, const hub_repo *r, const char *etag);

/* A repo's file list: add one (*cap: the slots allocated), order by path,
 * free them all. */
void hub_repo_add_file(hub_repo *r, size_t *cap, const char *path, uint64_t size, const char *etag, int lfs);
int hub_file_cmp(const void *a, const void *b);
void hub_repo_files_free(hub_repo *r);

/* File helpers the hub modules share. */
char *hub_pathf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int hub_mkdirs(const char *path);
int hub_mkparent(const char *path);                       /* path's directory */
int hub_write_atomic(const char *path, const void *p, size_t n);   /* temp + rename */
char *hub_read_small(const char *path);                   /* at most ~1 MiB, NUL-ended */
void hub_rstrip(char *s);                                 /* trailing blanks */
char *hub_json_strdup(const json_doc *d, uint32_t i);     /* a string node, or NULL */

#endif
