/*
 * util.h — helpers shared by every module: checked allocation, a growable
 * byte buffer (strbuf), a bump arena for per-record work, files replaced
 * whole (util_atomic_*) and temporary spools (util_spool_open).
 *
 * Allocation failure is the one condition the library does not return to the
 * caller: x*alloc print "out of memory" and abort, as git's xmalloc does,
 * because no caller could do anything better and checking every small
 * allocation would hide the real error paths. Sizes that come from input files
 * must be checked against what is left of the input before they reach here.
 *
 * Nothing here is thread-safe per object; distinct objects may be used from
 * distinct threads.
 */
#ifndef SFTKIT_UTIL_H
#define SFTKIT_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <stdarg.h>

/* The one exception: a tool may install a handler that reports and exits
 * (cli_init does: "tool: file:line: out of memory", exit 1). It is called
 * with the size asked and must not return; without one, or if it returns,
 * x*alloc abort. Process-wide: set it once, before any thread starts. */
void util_set_oom_handler(void (*fn)(size_t n));
/* What x*alloc do when the allocation fails, for memory another library
 * allocates and returns NULL for (PCRE2's match data): the handler, else
 * abort. n is the size asked, or 0 when the caller does not know it. */
_Noreturn void util_oom(size_t n);

void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
/* n bytes for a big table read at random places (a tokenizer's merge table
 * and word cache): from 2 MB up, on a 2 MB boundary and advised as
 * transparent huge pages (madvise), so a random read walks no page tables
 * (in a virtual machine, two levels of them); smaller, on a 64-byte line.
 * Uninitialised; freed with free(). */
void *util_alloc_table(size_t n);
char *xstrndup(const char *s, size_t n);
/* Grow *p (holding *cap elements of elsize) to at least need elements. */
void xgrow(void **p, size_t *cap, size_t need, size_t elsize);

/* strbuf: a growable byte buffer. Always NUL-terminated after a put (not
 * counted in len), so p can be passed to C string functions when the content
 * has no NUL. */
typedef struct strbuf {
	char *p;
	size_t len, cap;
} strbuf;

#define STRBUF_INIT {0, 0, 0}
void strbuf_free(strbuf *b);
static inline void strbuf_reset(strbuf *b) { b->len = 0; if (b->p) b->p[0] = 0; }
void strbuf_reserve(strbuf *b, size_t extra);
void strbuf_put(strbuf *b, const void *s, size_t n);
void strbuf_puts(strbuf *b, const char *s);
void strbuf_putc(strbuf *b, char c);
void strbuf_printf(strbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void strbuf_vprintf(strbuf *b, const char *fmt, va_list ap);
/* Take ownership of the bytes; b is left empty. */
char *strbuf_detach(strbuf *b, size_t *len);

/* The whole of a file, NUL-terminated (not counted in *len); NULL with errno
 * set when it cannot be opened or read (the read's errno, EISDIR for a
 * directory; EIO when the read error left none). */
char *util_read_file(const char *path, size_t *len);
/* The same, for inputs with no reason to be huge (a recipe, a lock file, a
 * manifest): NULL with errno EFBIG once more than max bytes come (a file
 * whose size is not known ahead, /dev/zero, is cut there too). */
char *util_read_file_max(const char *path, size_t max, size_t *len);

/* Format a message into err (errlen bytes; either may be 0) and return -1:
 * the library's way to fail with a reason in one statement. */
int util_err_set(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* s as a count: decimal digits and nothing else (no sign, blank or '+'), at
 * most UINT64_MAX. 0 with *v set, else -1. (strtoull alone reads "-1" as
 * UINT64_MAX, which a --limit would take for "no limit".) */
int util_parse_count(const char *s, uint64_t *v);

/* Replacing a file whole (the summary, a report, a cache ref, a shard's
 * signatures, blend's outputs): the new content goes to a temporary file in
 * the target's own directory (so that rename(2) is atomic), is fsynced, and
 * is renamed over the target, whose directory is then fsynced. A reader of
 * path sees the old file or the new one, never a part; so does a reader
 * after a crash or power loss once commit has returned.
 *
 *   util_atomic a;
 *   if (util_atomic_open(&a, path, err, n)) return -1;
 *   ... util_atomic_write(&a, p, len, err, n), or fwrite to util_atomic_stream(&a) ...
 *   if (util_atomic_commit(&a, err, n)) return -1;     (or util_atomic_abort(&a))
 *
 * The temporary file is path + ".tmp.PID.XXXXXXXX", made with O_EXCL (a new
 * name each time: two processes or threads replacing one path never share a
 * temp file), mode 0666 less the umask as fopen(3) gives. Every failure
 * removes it and leaves the target as it was; a process killed before commit
 * leaves it behind (nothing but the user removes it; blend names its own and
 * cleans up after dead runs, blend.h). A call that fails has removed it and
 * freed a already (util_atomic_abort after it is harmless); a caller that
 * gives up for a reason of its own calls util_atomic_abort. Errors: -1, errno kept, and
 * "PATH: strerror" in err (PATH the target's, as the user named it; "PATH:
 * fsync: strerror" for a failed fsync). The struct and its strings are the
 * caller's until commit or abort, which free them, whatever the outcome.
 * One thread per object; distinct objects in distinct threads are fine. */
typedef struct util_atomic {
	int fd;
	void *stream;                /* a FILE * once util_atomic_stream was called */
	char *path, *tmp;
} util_atomic;

int util_atomic_open(util_atomic *a, const char *path, char *err, size_t errlen);
/* The same with a temporary name the caller chose (created or truncated):
 * for outputs replaced together, found again by that name (blend.h). */
int util_atomic_open_as(util_atomic *a, const char *path, const char *tmp, char *err, size_t errlen);
/* Write all n bytes to a->fd (EINTR and short writes retried). */
int util_atomic_write(util_atomic *a, const void *p, size_t n, char *err, size_t errlen);
/* A stdio stream on a->fd for many small writes; NULL (errno) when fdopen
 * fails. Commit flushes and closes it; do not fclose it yourself. */
void *util_atomic_stream(util_atomic *a);
/* Flush, fsync and close the temporary file, rename it over the target,
 * fsync the directory. */
int util_atomic_commit(util_atomic *a, char *err, size_t errlen);
/* The first half of commit, for a group of files renamed together: flush,
 * fsync and close; the temporary file stays, a->tmp names it, a is freed.
 * On failure the temporary file is removed. */
int util_atomic_finish(util_atomic *a, char *err, size_t errlen);
/* open, write n bytes, commit: a buffer as the whole new content of path */
int util_atomic_write_file(const char *path, const void *p, size_t n, char *err, size_t errlen);
/* Close and remove the temporary file; the target is untouched. */
void util_atomic_abort(util_atomic *a);
/* The second half: rename the finished temporary file tmp over path; on
 * failure tmp is removed and err says "PATH: strerror". No fsync (see
 * util_fsync_dir). */
int util_atomic_rename(const char *tmp, const char *path, char *err, size_t errlen);
/* fsync the directory that holds path (a rename made durable); a file
 * system that cannot (EINVAL) is not an error. err: "DIR: fsync: strerror". */
int util_fsync_dir(const char *path, char *err, size_t errlen);
/* Make path a symbolic link to target, atomically: a reader of path finds
 * the old link (or file) or the new one, never none. */
int util_atomic_symlink(const char *target, const char *path, char *err, size_t errlen);

/* A spool: a temporary file a tool writes and reads back (a pipe's records,
 * kept for a second pass), made in dir (NULL or "": $TMPDIR, else /tmp) with
 * mkstemp, unlinked at once (so it is gone when the process ends, however it
 * ends, and no other process can open it) and O_CLOEXEC. Returns the
 * descriptor, the caller's to close; -1 with errno kept and "cannot create a
 * temporary file in DIR: strerror" in err. */
int util_spool_open(const char *dir, const char *prefix, char *err, size_t errlen);

/* arena: bump allocator for per-record work; arena_reset keeps the largest
 * block for reuse so steady-state records allocate nothing from malloc. */
typedef struct arena_block arena_block;
typedef struct arena {
	arena_block *head;
	size_t block_size;
} arena;

void arena_init(arena *a, size_t block_size);
void *arena_alloc(arena *a, size_t n);          /* 16-byte aligned, uninitialised */
char *arena_strndup(arena *a, const char *s, size_t n);
void arena_reset(arena *a);
void arena_free(arena *a);

/* UTF-8: length of the valid UTF-8 prefix of s (RFC 3629: no overlongs, no
 * surrogates, nothing above U+10FFFF). */
size_t utf8_valid_prefix(const char *s, size_t n);
static inline int utf8_valid(const char *s, size_t n) { return utf8_valid_prefix(s, n) == n; }
/* Code points in s: the bytes that are not continuation bytes (valid UTF-8 assumed). */
size_t utf8_count(const char *s, size_t n);
/* Encode code point cp (must be a scalar value) into out; returns bytes written (1..4). */
int utf8_encode(uint32_t cp, char *out);
/* Decode one code point at s (n bytes left, valid UTF-8 assumed); returns its length. */
int utf8_decode(const char *s, size_t n, uint32_t *cp);

#endif
