/* test_hub_cache.c — huggingface_hub's cache layout (src/lib/hub/cache.h),
 * built and read in a temp directory with no network: refs, listings,
 * blobs and their relative snapshot links, the .locks files; then the hub
 * client offline over that cache (hub_repo_open, hub_download_many) and the
 * file resolution over it (hub/resolve.h), the Parquet-conversion fallback
 * included. */
#include "hub/cache.h"
#include "hub/resolve.h"
#include "t.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

static char root[64];
static const char C1[] = "0123456789abcdef0123456789abcdef01234567";
static const char C2[] = "fedcba9876543210fedcba9876543210fedcba98";
static const char LFS[] = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";

static void repo_at(hub_repo *r, const char *id, const char *commit)
{
	memset(r, 0, sizeof *r);
	snprintf(r->kind, sizeof r->kind, "datasets");
	r->id = xstrdup(id);
	r->revision = xstrdup("main");
	r->commit = commit ? xstrdup(commit) : NULL;
	r->cache_dir = hub_cache_repo_dir(root, "datasets", id);
}

/* a blob with content text, linked from the snapshot as path */
static void put_file(hub_repo *r, size_t *cap, const char *path, const char *etag, const char *text)
{
	hub_repo_add_file(r, cap, path, strlen(text), etag, strlen(etag) == 64);
	hub_file *f = &r->files[r->nfiles - 1];
	char *blob = hub_cache_blob_path(r, f);
	T_EQ_INT(hub_write_atomic(blob, text, strlen(text)), 0);
	free(blob);
	T_EQ_INT(hub_cache_link(r, f), 0);
}

static void test_names(void)
{
	char *d = hub_cache_repo_dir("/c", "datasets", "org/name");
	T_EQ_STR(d, "/c/datasets--org--name");
	free(d);
	d = hub_cache_repo_dir("/c", "models", "Qwen/Qwen2.5-7B");
	T_EQ_STR(d, "/c/models--Qwen--Qwen2.5-7B");
	free(d);
	T_CHECK(hub_cache_commit_ok(C1));
	T_CHECK(!hub_cache_commit_ok("0123456789ABCDEF0123456789abcdef01234567"));
	T_CHECK(!hub_cache_commit_ok("0123"));
	T_CHECK(!hub_cache_commit_ok("main"));
	T_CHECK(hub_cache_etag_ok(LFS) && hub_cache_etag_ok("a-b_c"));
	T_CHECK(!hub_cache_etag_ok("") && !hub_cache_etag_ok("../x") && !hub_cache_etag_ok("a/b"));
}

static void test_refs(void)
{
	hub_repo r;
	repo_at(&r, "t/refs", NULL);
	T_CHECK(hub_cache_read_ref(&r, "main") == NULL);
	T_EQ_INT(hub_cache_write_ref(&r, "main", C1), 0);
	T_EQ_INT(hub_cache_write_ref(&r, "refs/convert/parquet", C2), 0);
	char *c = hub_cache_read_ref(&r, "main");
	T_EQ_STR(c, C1);
	free(c);
	c = hub_cache_read_ref(&r, "refs/convert/parquet");
	T_EQ_STR(c, C2);
	free(c);
	/* where huggingface_hub keeps it, and a ref that is not a commit is none */
	char p[PATH_MAX];
	snprintf(p, sizeof p, "%s/datasets--t--refs/refs/main", root);
	T_CHECK(hub_cache_file_ok(p, 40));
	T_EQ_INT(hub_write_atomic(p, "not a sha\n", 10), 0);
	T_CHECK(hub_cache_read_ref(&r, "main") == NULL);
	T_EQ_INT(hub_write_atomic(p, "0123456789abcdef0123456789abcdef01234567\n", 41), 0);
	c = hub_cache_read_ref(&r, "main");
	T_EQ_STR(c, C1);   /* a trailing newline, as other clients write, is fine */
	free(c);
	hub_repo_free(&r);
}

static void test_listing(void)
{
	hub_repo r, back;
	size_t cap = 0;
	repo_at(&r, "t/list", C1);
	hub_repo_add_file(&r, &cap, "data/train-00000-of-00001.parquet", 1234, LFS, 1);
	hub_repo_add_file(&r, &cap, "README.md", 10, "b1", 0);
	hub_repo_add_file(&r, &cap, "odd \"name\".jsonl", 0, "b2", 0);
	qsort(r.files, r.nfiles, sizeof *r.files, hub_file_cmp);
	hub_cache_save_listing(&r);
	repo_at(&back, "t/list", C1);
	T_EQ_INT(hub_cache_load_listing(&back), 0);
	T_EQ_INT(back.nfiles, 3);
	for (size_t i = 0; i < back.nfiles && i < r.nfiles; i++) {
		T_EQ_STR(back.files[i].path, r.files[i].path);
		T_EQ_STR(back.files[i].etag, r.files[i].etag);
		T_EQ_INT(back.files[i].size, r.files[i].size);
		T_EQ_INT(back.files[i].lfs, r.files[i].lfs);
	}
	const hub_file *f = hub_repo_find(&back, "README.md");
	T_CHECK(f && !strcmp(f->etag, "b1"));
	T_CHECK(hub_repo_find(&back, "nope") == NULL);
	hub_repo_free(&back);
	/* another commit has no listing; a damaged one is none, not half */
	repo_at(&back, "t/list", C2);
	T_EQ_INT(hub_cache_load_listing(&back), -1);
	hub_repo_free(&back);
	char p[PATH_MAX];
	snprintf(p, sizeof p, "%s/datasets--t--list/.sftkit/tree-%s.jsonl", root, C1);
	FILE *fp = fopen(p, "a");
	T_CHECK(fp != NULL);
	if (fp) { fputs("{\"path\":\"x\"}\n", fp); fclose(fp); }
	repo_at(&back, "t/list", C1);
	T_EQ_INT(hub_cache_load_listing(&back), -1);
	T_EQ_INT(back.nfiles, 0);
	hub_repo_free(&back);
	hub_repo_free(&r);
}

static void test_blobs_and_links(void)
{
	hub_repo r;
	size_t cap = 0;
	repo_at(&r, "t/blobs", C1);
	put_file(&r, &cap, "top.jsonl", "e1", "{\"a\":1}\n");
	put_file(&r, &cap, "data/deep/x.parquet", LFS, "PAR1....PAR1");
	char p[PATH_MAX], target[PATH_MAX];
	snprintf(p, sizeof p, "%s/datasets--t--blobs/snapshots/%s/top.jsonl", root, C1);
	ssize_t n = readlink(p, target, sizeof target - 1);
	T_CHECK(n > 0);
	target[n > 0 ? n : 0] = 0;
	T_EQ_STR(target, "../../blobs/e1");
	snprintf(p, sizeof p, "%s/datasets--t--blobs/snapshots/%s/data/deep/x.parquet", root, C1);
	n = readlink(p, target, sizeof target - 1);
	target[n > 0 ? n : 0] = 0;
	T_EQ_STR(target, "../../../../blobs/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
	char *snap = hub_cache_snapshot_path(&r, &r.files[1]);
	T_EQ_STR(snap, p);
	T_CHECK(hub_cache_file_ok(snap, 12));
	T_CHECK(!hub_cache_file_ok(snap, 13));
	free(snap);
	/* linking again replaces the link, never leaves none */
	T_EQ_INT(hub_cache_link(&r, &r.files[0]), 0);
	snprintf(p, sizeof p, "%s/datasets--t--blobs/snapshots/%s/top.jsonl", root, C1);
	T_CHECK(hub_cache_file_ok(p, 8));
	/* what another client left: the snapshot alone gives the files */
	hub_repo s;
	repo_at(&s, "t/blobs", C1);
	T_EQ_INT(hub_cache_scan_snapshot(&s), 0);
	T_EQ_INT(s.nfiles, 2);
	if (s.nfiles == 2) {
		T_EQ_STR(s.files[0].path, "data/deep/x.parquet");
		T_EQ_STR(s.files[0].etag, LFS);
		T_EQ_INT(s.files[0].lfs, 1);
		T_EQ_INT(s.files[0].size, 12);
		T_EQ_STR(s.files[1].path, "top.jsonl");
		T_EQ_STR(s.files[1].etag, "e1");
		T_EQ_INT(s.files[1].lfs, 0);
	}
	hub_repo_free(&s);
	repo_at(&s, "t/blobs", C2);
	T_EQ_INT(hub_cache_scan_snapshot(&s), -1);
	hub_repo_free(&s);
	hub_repo_free(&r);
}

static void test_blob_lock(void)
{
	hub_repo r;
	repo_at(&r, "t/lock", C1);
	int fd = hub_cache_lock_blob(root, &r, "e1");
	T_CHECK(fd >= 0);
	char p[PATH_MAX];
	snprintf(p, sizeof p, "%s/.locks/datasets--t--lock/e1.lock", root);
	int other = open(p, O_RDWR);
	T_CHECK(other >= 0);
	/* held: another open file description cannot take it */
	T_CHECK(flock(other, LOCK_EX | LOCK_NB) == -1 && errno == EWOULDBLOCK);
	close(fd);
	T_EQ_INT(flock(other, LOCK_EX | LOCK_NB), 0);
	close(other);
	hub_repo_free(&r);
}

/* The client over that cache with HF_HUB_OFFLINE: no request can be made. */
static hub *offline_hub(void)
{
	setenv("HF_HUB_CACHE", root, 1);
	setenv("HF_HUB_OFFLINE", "1", 1);
	setenv("HF_ENDPOINT", "http://127.0.0.1:9", 1);
	char err[256];
	hub *h = hub_new(err, sizeof err);
	T_CHECKF(h != NULL, "%s", err);
	return h;
}

static void test_offline_client(void)
{
	hub_repo w;
	size_t cap = 0;
	repo_at(&w, "t/off", C1);
	put_file(&w, &cap, "data/train-00000-of-00001.jsonl", "e7", "{\"q\":1}\n{\"q\":2}\n");
	put_file(&w, &cap, "data/test-00000-of-00001.jsonl", "e8", "{\"q\":3}\n");
	qsort(w.files, w.nfiles, sizeof *w.files, hub_file_cmp);
	T_EQ_INT(hub_cache_write_ref(&w, "main", C1), 0);
	hub_cache_save_listing(&w);
	hub *h = offline_hub();
	if (!h) return;
	hub_repo r;
	T_EQ_INT(hub_repo_open(h, "datasets", "t/off", NULL, &r), 0);
	T_EQ_STR(r.commit, C1);
	T_EQ_INT(r.nfiles, 2);
	T_CHECK(r.from_cache);
	hub_pick p;
	char err[1024];
	T_EQ_INT(hub_pick_files(h, &r, NULL, NULL, "test", &p, err, sizeof err), 0);
	T_EQ_INT(p.n, 1);
	T_CHECK(p.note == NULL);
	if (p.n == 1) {
		const hub_file *f = &r.files[p.idx[0]];
		T_EQ_STR(f->path, "data/test-00000-of-00001.jsonl");
		char *loc = NULL;
		T_EQ_INT(hub_download_many(h, &r, &f, 1, 2, &loc), 0);
		T_CHECK(loc && hub_cache_file_ok(loc, 8));
		free(loc);
	}
	hub_pick_free(&p);
	T_EQ_INT(hub_pick_files(h, &r, NULL, NULL, "nosuch", &p, err, sizeof err), -1);
	T_CHECKF(strstr(err, "dataset t/off: ") == err, "%s", err);
	hub_pick_free(&p);
	T_EQ_INT(hub_get_stats(h)->requests, 0);
	/* a file the cache lacks, offline: said so, not fetched */
	hub_file missing = { .path = "data/none.jsonl", .size = 3, .etag = "e9" };
	const hub_file *mf = &missing;
	char *loc = NULL;
	T_EQ_INT(hub_download_many(h, &r, &mf, 1, 1, &loc), -1);
	T_CHECKF(strstr(hub_error(h), "not in the cache (HF_HUB_OFFLINE is set)") != NULL, "%s", hub_error(h));
	hub_repo_free(&r);
	/* a revision the cache never resolved */
	T_EQ_INT(hub_repo_open(h, "datasets", "t/off", "v9", &r), -1);
	T_CHECKF(strstr(hub_error(h), "revision 'v9' is not in the cache") != NULL, "%s", hub_error(h));
	hub_repo_free(&r);
	hub_free(h);
	hub_repo_free(&w);
}

static void test_parquet_fallback(void)
{
	/* main holds only CSV; the conversion revision holds the Parquet */
	hub_repo w, cv;
	size_t cap = 0, ccap = 0;
	repo_at(&w, "t/csv", C1);
	put_file(&w, &cap, "train.csv", "c1", "q\n1\n");
	T_EQ_INT(hub_cache_write_ref(&w, "main", C1), 0);
	hub_cache_save_listing(&w);
	repo_at(&cv, "t/csv", C2);
	put_file(&cv, &ccap, "default/train/0000.parquet", "p1", "PAR1");
	put_file(&cv, &ccap, "default/test/0000.parquet", "p2", "PAR1");
	qsort(cv.files, cv.nfiles, sizeof *cv.files, hub_file_cmp);
	T_EQ_INT(hub_cache_write_ref(&cv, "refs/convert/parquet", C2), 0);
	hub_cache_save_listing(&cv);
	hub *h = offline_hub();
	if (!h) return;
	hub_repo r;
	hub_pick p;
	char err[1024];
	T_EQ_INT(hub_repo_open(h, "datasets", "t/csv", NULL, &r), 0);
	T_EQ_INT(hub_pick_files(h, &r, NULL, NULL, NULL, &p, err, sizeof err), 0);
	T_CHECKF(p.note && strstr(p.note, "trying the Hub's Parquet conversion (refs/convert/parquet)"), "%s",
		 p.note ? p.note : "(none)");
	T_EQ_STR(r.commit, C2);
	T_EQ_INT(p.n, 1);
	if (p.n == 1) T_EQ_STR(r.files[p.idx[0]].path, "default/train/0000.parquet");
	hub_pick_free(&p);
	/* --files: only what matches, and none is an error naming the glob */
	T_EQ_INT(hub_pick_files(h, &r, "default/*/0000.parquet", NULL, NULL, &p, err, sizeof err), 0);
	T_EQ_INT(p.n, 2);
	hub_pick_free(&p);
	T_EQ_INT(hub_pick_files(h, &r, "*.csv", NULL, NULL, &p, err, sizeof err), -1);
	T_CHECKF(strstr(err, "no file matches '*.csv'") != NULL, "%s", err);
	hub_pick_free(&p);
	hub_repo_free(&r);
	/* no conversion in the cache either: the note, then an error saying both */
	hub_repo w2;
	size_t cap2 = 0;
	repo_at(&w2, "t/csv2", C1);
	put_file(&w2, &cap2, "train.csv", "c1", "q\n1\n");
	T_EQ_INT(hub_cache_write_ref(&w2, "main", C1), 0);
	hub_cache_save_listing(&w2);
	T_EQ_INT(hub_repo_open(h, "datasets", "t/csv2", NULL, &r), 0);
	T_EQ_INT(hub_pick_files(h, &r, NULL, NULL, NULL, &p, err, sizeof err), -1);
	T_CHECK(p.note != NULL);
	T_CHECKF(strstr(err, "and the Parquet conversion is not available") != NULL, "%s", err);
	hub_pick_free(&p);
	hub_repo_free(&r);
	hub_repo_free(&w2);
	hub_free(h);
	hub_repo_free(&w);
	hub_repo_free(&cv);
}

int main(void)
{
	snprintf(root, sizeof root, "/tmp/test_hub_cache.XXXXXX");
	if (!mkdtemp(root)) { perror("mkdtemp"); return 1; }
	T_RUN(test_names);
	T_RUN(test_refs);
	T_RUN(test_listing);
	T_RUN(test_blobs_and_links);
	T_RUN(test_blob_lock);
	T_RUN(test_offline_client);
	T_RUN(test_parquet_fallback);
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
	if (system(cmd)) return 1;
	return t_done();
}
