/*
 * jsonl.h — line reader and buffered writer for JSONL streams.
 *
 * The reader returns one line at a time as a pointer into its own buffer
 * (zero-copy, valid until the next call), with no limit on line length: the
 * buffer grows to hold the longest line seen. It counts lines from 1 for
 * messages. A final line without '\n' is returned like any other. The '\n' is
 * not part of the line; a '\r' before it is (a CR is data, and a JSON parser
 * treats it as whitespace).
 *
 * The writer buffers output and reports errors instead of acting on them:
 * jsonl_write/jsonl_flush return -1 with errno set (EPIPE when the reader went
 * away, ENOSPC, EIO ...). The tool decides what that means (cli.h ends quietly
 * on EPIPE and reports everything else).
 *
 * Neither is thread-safe; use one per thread.
 */
#ifndef SFTKIT_JSONL_H
#define SFTKIT_JSONL_H

#include <stddef.h>
#include <stdint.h>

typedef struct jsonl_reader {
	int fd;
	int own_fd;          /* close fd in jsonl_close */
	const char *name;    /* for messages: the path, or "-"/"<stdin>" */
	char *buf;
	size_t cap, start, end;
	uint64_t lineno;     /* number of the line last returned, from 1 */
	uint64_t offset;     /* byte offset in the stream of the line last returned */
	uint64_t consumed;   /* bytes of the stream before buf[start] */
	int eof;
	int err;             /* errno of a failed read, else 0 */
} jsonl_reader;

/* Open path ("-" is standard input). Returns 0, or -1 with errno set. */
int jsonl_open(jsonl_reader *r, const char *path);
/* Read from an fd the caller owns. */
void jsonl_open_fd(jsonl_reader *r, int fd, const char *name);
/* Next line: 1 with line and len set; 0 at end of input; -1 on a read error
 * (r->err holds errno). */
int jsonl_next(jsonl_reader *r, const char **line, size_t *len);
void jsonl_close(jsonl_reader *r);

typedef struct jsonl_writer {
	int fd;
	int own_fd;
	char *buf;
	size_t len, cap;
	uint64_t bytes;      /* bytes handed to write(2) so far */
	int err;             /* sticky errno of the first failed write */
} jsonl_writer;

void jsonl_writer_init(jsonl_writer *w, int fd);
/* Create/truncate path for writing; -1 with errno on failure. */
int jsonl_writer_open(jsonl_writer *w, const char *path);
int jsonl_write(jsonl_writer *w, const void *p, size_t n);
/* p[0..n) then '\n' */
int jsonl_write_line(jsonl_writer *w, const void *p, size_t n);
int jsonl_flush(jsonl_writer *w);
/* Flush, close when owned, free. Returns -1 if any write failed. */
int jsonl_writer_close(jsonl_writer *w);

#endif
