/* lock.c — hf-fetch's lock file. See lock.h. */
#include "hub/lock.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

int hub_lock_each(const char *text, size_t len, const char *path, hub_lock_fn fn, void *ctx,
		  char *err, size_t errlen)
{
	json_doc d;
	json_doc_init(&d);
	const char *p = text, *e = text + len;
	unsigned ln = 0;
	int rc = 0;
	while (p < e) {
		const char *nl = memchr(p, '\n', (size_t)(e - p));
		const char *le = nl ? nl : e;
		ln++;
		const char *q = p;
		while (q < le && (*q == ' ' || *q == '\t' || *q == '\r')) q++;
		if (q < le) {
			if (json_parse(&d, p, (size_t)(le - p))) {
				rc = util_err_set(err, errlen, "%s:%u: expected a JSON object per line (hf-fetch's lock file): %s",
					     path, ln, d.err);
				break;
			}
			if (json_type_of(&d, 0) != JSON_OBJECT) {
				rc = util_err_set(err, errlen, "%s:%u: expected a JSON object per line (hf-fetch's lock file), "
					     "found another value", path, ln);
				break;
			}
			if (json_type_of(&d, json_get(&d, 0, "repo")) != JSON_STRING ||
			    json_type_of(&d, json_get(&d, 0, "commit")) != JSON_STRING) {
				rc = util_err_set(err, errlen, "%s:%u: a lock line needs \"repo\" and \"commit\" (hf-fetch's lock file)",
					     path, ln);
				break;
			}
			if (fn(ctx, &d, ln)) break;
		}
		p = nl ? nl + 1 : e;
	}
	json_doc_free(&d);
	return rc;
}

int hub_lock_load(const char *path, char **text, size_t *len, char *err, size_t errlen)
{
	*text = util_read_file_max(path, HUB_LOCK_MAX, len);
	if (*text) return 0;
	int e = errno;
	util_err_set(err, errlen, "%s: %s", path, e == EFBIG ? "more than 64 MiB: not a lock file" : strerror(e));
	errno = e;
	return -1;
}

typedef struct find_ctx {
	const char *kind, *id;
	char *commit;
} find_ctx;

static int find_one(void *ctx, const json_doc *d, unsigned line)
{
	find_ctx *f = ctx;
	(void)line;
	uint32_t r = json_get(d, 0, "repo"), k = json_get(d, 0, "kind"), c = json_get(d, 0, "commit");
	if (!json_str_eq(d, r, f->id, strlen(f->id))) return 0;
	if (k != JSON_NONE && !json_str_eq(d, k, f->kind, strlen(f->kind))) return 0;
	f->commit = xmalloc(d->nodes[c].len + 1);
	f->commit[json_str_decode(d, c, f->commit)] = 0;
	return 1;
}

int hub_lock_find(const char *text, size_t len, const char *path, const char *kind, const char *id,
		  char **commit, char *err, size_t errlen)
{
	find_ctx f = { kind, id, NULL };
	*commit = NULL;
	if (hub_lock_each(text, len, path, find_one, &f, err, errlen)) return -1;
	*commit = f.commit;
	return f.commit != NULL;
}

int hub_lock_pin(const char *path, const char *kind, const char *id, char **commit, char *err, size_t errlen)
{
	char *text;
	size_t tl;
	*commit = NULL;
	if (hub_lock_load(path, &text, &tl, err, errlen)) return errno == EFBIG ? -1 : 0;
	int rc = hub_lock_find(text, tl, path, kind, id, commit, err, errlen);
	free(text);
	return rc;
}

typedef struct json_ctx {
	strbuf *out;
	unsigned n;
} json_ctx;

static int json_one(void *ctx, const json_doc *d, unsigned line)
{
	json_ctx *j = ctx;
	(void)line;
	strbuf_printf(j->out, "%s\n    ", j->n++ ? "," : "");
	json_write_compact(j->out, d, 0);
	return 0;
}

int hub_lock_json(const char *text, size_t len, const char *path, strbuf *out, char *err, size_t errlen)
{
	json_ctx j = { out, 0 };
	strbuf_putc(out, '[');
	int rc = hub_lock_each(text, len, path, json_one, &j, err, errlen);
	if (j.n) strbuf_puts(out, "\n  ");
	strbuf_putc(out, ']');
	return rc;
}

static void lock_line(strbuf *b, const char *kind, const char *id, const char *revision, const char *commit)
{
	strbuf_puts(b, "{\"repo\":");
	json_write_str(b, id, strlen(id));
	strbuf_puts(b, ",\"kind\":");
	json_write_str(b, kind, strlen(kind));
	strbuf_puts(b, ",\"revision\":");
	json_write_str(b, revision, strlen(revision));
	strbuf_puts(b, ",\"commit\":");
	json_write_str(b, commit, strlen(commit));
	strbuf_puts(b, "}\n");
}

int hub_lock_record(const char *path, const char *kind, const char *id, const char *revision,
		    const char *commit, char *err, size_t errlen)
{
	int created = access(path, F_OK) != 0;
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0 || flock(fd, LOCK_EX)) {
		util_err_set(err, errlen, "%s: %s", path, strerror(errno));
		if (fd >= 0) close(fd);
		return -1;
	}
	char *text = NULL, *have = NULL;
	size_t tl = 0;
	int rc = -1;
	if (hub_lock_load(path, &text, &tl, err, errlen)) goto out;
	int found = hub_lock_find(text, tl, path, kind, id, &have, err, errlen);
	if (found < 0) goto out;
	if (found) { rc = 0; goto out; }
	strbuf b = STRBUF_INIT;
	lock_line(&b, kind, id, revision, commit);
	off_t end = lseek(fd, 0, SEEK_END);
	if (end < 0 || write(fd, b.p, b.len) != (ssize_t)b.len || fsync(fd)) {
		/* no partial line, and no empty file of our making */
		int e = errno;
		if (end >= 0 && ftruncate(fd, end) == 0 && end == 0 && created) unlink(path);
		util_err_set(err, errlen, "%s: %s", path, strerror(e));
	} else {
		rc = 1;
	}
	strbuf_free(&b);
out:
	free(text);
	free(have);
	close(fd);
	return rc;
}
