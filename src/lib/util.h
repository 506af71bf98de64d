/*
 * util.h — memory helpers shared by every module: checked allocation, a
 * growable byte buffer (strbuf) and a bump arena for per-record work.
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

void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
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
char *read_file(const char *path, size_t *len);
/* The same, for inputs with no reason to be huge (a recipe, a lock file, a
 * manifest): NULL with errno EFBIG once more than max bytes come (a file
 * whose size is not known ahead, /dev/zero, is cut there too). */
char *read_file_max(const char *path, size_t max, size_t *len);

/* Format a message into err (errlen bytes; either may be 0) and return -1:
 * the library's way to fail with a reason in one statement. */
int err_set(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* s as a count: decimal digits and nothing else (no sign, blank or '+'), at
 * most UINT64_MAX. 0 with *v set, else -1. (strtoull alone reads "-1" as
 * UINT64_MAX, which a --limit would take for "no limit".) */
int parse_count(const char *s, uint64_t *v);

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
/* Encode code point cp (must be a scalar value) into out; returns bytes written (1..4). */
int utf8_encode(uint32_t cp, char *out);
/* Decode one code point at s (n bytes left, valid UTF-8 assumed); returns its length. */
int utf8_decode(const char *s, size_t n, uint32_t *cp);

#endif
