/*
 * t.h — the unit-test harness: a test is a function; T_CHECK records a failure
 * with its position and keeps going. Each test prints one TAP-style line
 * ("ok - name" / "not ok - name"), which tests/run.sh counts.
 *
 *   static void test_x(void) { T_CHECK(1 + 1 == 2); T_EQ_STR(a, b); }
 *   int main(void) { T_RUN(test_x); return t_done(); }
 *
 * T_SKIP(why) inside a test marks it skipped (data absent, e.g. ../shared).
 * SFTKIT_SHARED (default "../shared") is where the shared conformance data is.
 */
#ifndef SFTKIT_T_H
#define SFTKIT_T_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int t_failed_now, t_skipped_now, t_pass, t_fail;
static char t_skip_why[1024];

#define T_CHECK(cond) do { if (!(cond)) { t_failed_now++; \
	fprintf(stderr, "  %s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); } } while (0)
#define T_CHECKF(cond, ...) do { if (!(cond)) { t_failed_now++; \
	fprintf(stderr, "  %s:%d: check failed: %s: ", __FILE__, __LINE__, #cond); \
	fprintf(stderr, __VA_ARGS__); fputc('\n', stderr); } } while (0)
#define T_EQ_INT(a, b) do { long long t_a = (long long)(a), t_b = (long long)(b); if (t_a != t_b) { \
	t_failed_now++; fprintf(stderr, "  %s:%d: %s == %s: %lld != %lld\n", __FILE__, __LINE__, #a, #b, t_a, t_b); } } while (0)
#define T_EQ_STR(a, b) do { const char *t_a = (a), *t_b = (b); if (!t_a || !t_b || strcmp(t_a, t_b)) { \
	t_failed_now++; fprintf(stderr, "  %s:%d: %s == %s: \"%s\" != \"%s\"\n", __FILE__, __LINE__, #a, #b, \
	t_a ? t_a : "(null)", t_b ? t_b : "(null)"); } } while (0)
#define T_SKIP(...) do { t_skipped_now = 1; snprintf(t_skip_why, sizeof t_skip_why, __VA_ARGS__); return; } while (0)

#define T_RUN(fn) t_run(#fn, fn)

static inline void t_run(const char *name, void (*fn)(void))
{
	t_failed_now = 0;
	t_skipped_now = 0;
	fn();
	if (t_skipped_now) { printf("ok - %s # SKIP %s\n", name, t_skip_why); t_pass++; }
	else if (t_failed_now) { printf("not ok - %s\n", name); t_fail++; }
	else { printf("ok - %s\n", name); t_pass++; }
	fflush(stdout);
}

static inline int t_done(void) { return t_fail ? 1 : 0; }

static inline const char *t_shared(void)
{
	const char *s = getenv("SFTKIT_SHARED");
	return s ? s : "../shared";
}

/* Read a whole file; NULL if absent. Caller frees. */
static inline char *t_read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f) return NULL;
	size_t cap = 1 << 16, n = 0;
	char *p = malloc(cap);
	size_t k;
	while ((k = fread(p + n, 1, cap - n, f)) > 0) {
		n += k;
		if (n == cap) p = realloc(p, cap *= 2);
	}
	fclose(f);
	p[n] = 0;
	if (len) *len = n;
	return p;
}

#endif
