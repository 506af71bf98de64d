/* jsonl.c — see jsonl.h. */
#include "jsonl.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define READ_CHUNK (128u * 1024)

void jsonl_open_fd(jsonl_reader *r, int fd, const char *name)
{
	memset(r, 0, sizeof *r);
	r->fd = fd;
	r->name = name;
}

int jsonl_open(jsonl_reader *r, const char *path)
{
	if (!strcmp(path, "-")) {
		jsonl_open_fd(r, 0, "<stdin>");
		return 0;
	}
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) return -1;
	jsonl_open_fd(r, fd, path);
	r->own_fd = 1;
#ifdef POSIX_FADV_SEQUENTIAL
	posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
#endif
	return 0;
}

/* Make room for at least READ_CHUNK more bytes after end. */
static void make_room(jsonl_reader *r)
{
	if (r->start > 0 && (r->start >= r->cap / 2 || r->cap - r->end < READ_CHUNK)) {
		memmove(r->buf, r->buf + r->start, r->end - r->start);
		r->consumed += r->start;
		r->end -= r->start;
		r->start = 0;
	}
	if (r->cap - r->end < READ_CHUNK) {
		size_t nc = r->cap ? r->cap * 2 : 4 * READ_CHUNK;
		while (nc - r->end < READ_CHUNK) nc *= 2;
		r->buf = xrealloc(r->buf, nc);
		r->cap = nc;
	}
}

int jsonl_next(jsonl_reader *r, const char **line, size_t *len)
{
	size_t scan = r->start;
	for (;;) {
		char *nl = r->end > scan ? memchr(r->buf + scan, '\n', r->end - scan) : NULL;
		if (nl) {
			size_t at = (size_t)(nl - r->buf);
			*line = r->buf + r->start;
			*len = at - r->start;
			r->offset = r->consumed + r->start;
			r->start = at + 1;
			r->lineno++;
			return 1;
		}
		if (r->eof) {
			if (r->end > r->start) {
				*line = r->buf + r->start;
				*len = r->end - r->start;
				r->offset = r->consumed + r->start;
				r->start = r->end;
				r->lineno++;
				return 1;
			}
			return 0;
		}
		size_t scanned = r->end - r->start;
		make_room(r);
		ssize_t n;
		/* read in chunks that stay in the L2 cache until they are parsed: the
		 * kernel's copy and the parser's pass then cost one trip to memory */
		do n = read(r->fd, r->buf + r->end, READ_CHUNK);
		while (n < 0 && errno == EINTR);
		if (n < 0) { r->err = errno; return -1; }
		if (n == 0) r->eof = 1;
		scan = r->start + scanned;
		r->end += (size_t)n;
	}
}

void jsonl_close(jsonl_reader *r)
{
	if (r->own_fd && r->fd >= 0) close(r->fd);
	free(r->buf);
	memset(r, 0, sizeof *r);
	r->fd = -1;
}

#define WBUF (256u * 1024)

void jsonl_writer_init(jsonl_writer *w, int fd)
{
	memset(w, 0, sizeof *w);
	w->fd = fd;
}

int jsonl_writer_open(jsonl_writer *w, const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
	if (fd < 0) return -1;
	jsonl_writer_init(w, fd);
	w->own_fd = 1;
	return 0;
}

static int write_all(jsonl_writer *w, const char *p, size_t n)
{
	while (n) {
		ssize_t k = write(w->fd, p, n);
		if (k < 0) {
			if (errno == EINTR) continue;
			w->err = errno;
			return -1;
		}
		p += k;
		n -= (size_t)k;
		w->bytes += (uint64_t)k;
	}
	return 0;
}

int jsonl_flush(jsonl_writer *w)
{
	if (w->err) { errno = w->err; return -1; }
	if (w->len && write_all(w, w->buf, w->len)) { errno = w->err; return -1; }
	w->len = 0;
	return 0;
}

int jsonl_write(jsonl_writer *w, const void *p, size_t n)
{
	if (w->err) { errno = w->err; return -1; }
	if (!w->buf) { w->buf = xmalloc(WBUF); w->cap = WBUF; }
	if (w->len + n > w->cap) {
		if (jsonl_flush(w)) return -1;
		if (n >= w->cap) {
			if (write_all(w, p, n)) { errno = w->err; return -1; }
			return 0;
		}
	}
	memcpy(w->buf + w->len, p, n);
	w->len += n;
	return 0;
}

int jsonl_write_line(jsonl_writer *w, const void *p, size_t n)
{
	if (jsonl_write(w, p, n)) return -1;
	return jsonl_write(w, "\n", 1);
}

int jsonl_writer_close(jsonl_writer *w)
{
	int rc = jsonl_flush(w);
	int e = errno;
	if (w->own_fd && close(w->fd) && !rc) { rc = -1; e = errno; }
	free(w->buf);
	w->buf = NULL;
	w->fd = -1;
	errno = e;
	return rc;
}
