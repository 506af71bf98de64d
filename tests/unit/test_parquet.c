/* test_parquet — the reader through its API: every fixture (DuckDB and
 * arrow-rs writers, v1/v2 pages, snappy/zstd, dictionary fallback, DELTA_*)
 * gives as many rows as its source JSONL, in order (the ids); projection,
 * the row filter and the limit; the schema; and cut or damaged files refused
 * with a message, never a crash. Value-by-value equality with the source
 * rows is tests/cli/parquet-cat.sh's. */
#include "parquet/parquet.h"
#include "t.h"

#include <dirent.h>

typedef struct rows { strbuf all; size_t n; } rows;

static int on_row(void *ctx, const char *json, size_t len)
{
	rows *r = ctx;
	strbuf_put(&r->all, json, len);
	strbuf_putc(&r->all, '\n');
	r->n++;
	return 0;
}

/* the "id" values of a JSONL text, one per line, as {"id":...} lines */
static char *ids_of(const char *path, size_t *n)
{
	size_t len;
	char *t = t_read_file(path, &len);
	if (!t) return NULL;
	strbuf out = STRBUF_INIT;
	*n = 0;
	for (char *p = t; p && *p;) {
		char *nl = strchr(p, '\n');
		char *k = strstr(p, "\"id\":\"");
		if (k && (!nl || k < nl)) {
			char *e = strchr(k + 6, '"');
			strbuf_puts(&out, "{\"id\":");
			strbuf_put(&out, k + 5, (size_t)(e - k - 4));
			strbuf_puts(&out, "}\n");
		}
		(*n)++;
		p = nl ? nl + 1 : NULL;
	}
	free(t);
	return strbuf_detach(&out, NULL);
}

static void test_fixtures(void)
{
	DIR *dp = opendir("tests/fixtures/parquet");
	T_CHECK(dp != NULL);
	if (!dp) return;
	struct dirent *de;
	int files = 0;
	while ((de = readdir(dp))) {
		const char *nm = de->d_name;
		size_t l = strlen(nm);
		if (l < 9 || strcmp(nm + l - 8, ".parquet")) continue;
		char path[512], src[512], err[512];
		snprintf(path, sizeof path, "tests/fixtures/parquet/%s", nm);
		snprintf(src, sizeof src, "tests/fixtures/parquet/%.*s.jsonl", (int)(strchr(nm, '.') - nm), nm);
		size_t want;
		char *ids = ids_of(src, &want);
		T_CHECKF(ids != NULL, "%s: no source rows", src);
		if (!ids) continue;
		rows r = { STRBUF_INIT, 0 };
		T_CHECKF(pq_cat_file(path, NULL, on_row, &r, err, sizeof err) == 0, "%s: %s", nm, err);
		T_CHECKF(r.n == want, "%s: %zu rows, the source has %zu", nm, r.n, want);
		/* projection: the ids in the source's order (OpenMath has no id
		 * column: its problem column, as many rows) */
		int has_id = strncmp(nm, "openmath", 8) != 0;
		const char *cols[] = { has_id ? "id" : "problem" };
		pq_options po = { .columns = cols, .ncolumns = 1 };
		rows p = { STRBUF_INIT, 0 };
		T_CHECKF(pq_cat_file(path, &po, on_row, &p, err, sizeof err) == 0, "%s: %s", nm, err);
		if (has_id) T_CHECKF(p.all.p && !strcmp(p.all.p, ids), "%s: projected ids differ from the source's", nm);
		else T_CHECKF(p.n == want && p.all.p && !strncmp(p.all.p, "{\"problem\":", 11), "%s: projection", nm);
		/* limit */
		po.limit = 3;
		rows q = { STRBUF_INIT, 0 };
		T_CHECK(pq_cat_file(path, &po, on_row, &q, err, sizeof err) >= 0);
		T_CHECKF(q.n == 3, "%s: --limit 3 gave %zu", nm, q.n);
		/* schema */
		strbuf s = STRBUF_INIT;
		T_CHECKF(pq_schema_json(path, &s, err, sizeof err) == 0 && s.p && strstr(s.p, has_id ? "\"id\"" : "\"problem\""), "%s: schema", nm);
		/* every cut of the file's tail is refused, with a message */
		size_t len;
		char *raw = t_read_file(path, &len);
		for (size_t cut = 1; raw && cut < len; cut += len / 7 + 1) {
			rows z = { STRBUF_INIT, 0 };
			err[0] = 0;
			int rc = pq_cat_mem((const unsigned char *)raw, len - cut, nm, NULL, on_row, &z, err, sizeof err);
			T_CHECKF(rc == -1 && err[0], "%s cut by %zu: rc %d", nm, cut, rc);
			strbuf_free(&z.all);
		}
		free(raw);
		strbuf_free(&s);
		strbuf_free(&r.all);
		strbuf_free(&p.all);
		strbuf_free(&q.all);
		free(ids);
		files++;
	}
	closedir(dp);
	T_CHECKF(files >= 6, "only %d fixtures", files);
}

static void test_where(void)
{
	char err[512];
	pq_options po = { .where_col = "id", .where_val = "d-1" };
	rows r = { STRBUF_INIT, 0 };
	T_CHECK(pq_cat_file("tests/fixtures/parquet/dolci.duckdb-zstd.parquet", &po, on_row, &r, err, sizeof err) == 0);
	T_EQ_INT(r.n, 1);
	T_CHECK(r.all.p && strstr(r.all.p, "\"id\":\"d-1\""));
	strbuf_free(&r.all);
	po.where_negate = 1;
	rows s = { STRBUF_INIT, 0 };
	T_CHECK(pq_cat_file("tests/fixtures/parquet/dolci.duckdb-zstd.parquet", &po, on_row, &s, err, sizeof err) == 0);
	T_EQ_INT(s.n, 299);
	strbuf_free(&s.all);
}

static void test_not_parquet(void)
{
	char err[512];
	rows r = { STRBUF_INIT, 0 };
	T_CHECK(pq_cat_mem((const unsigned char *)"PAR1 not a file PAR1", 20, "x", NULL, on_row, &r, err, sizeof err) == -1);
	T_CHECK(strstr(err, "x") != NULL);
	T_CHECK(pq_cat_file("/nonexistent.parquet", NULL, on_row, &r, err, sizeof err) == -1);
	T_EQ_INT(r.n, 0);
	strbuf_free(&r.all);
}

int main(void)
{
	T_RUN(test_fixtures);
	T_RUN(test_where);
	T_RUN(test_not_parquet);
	return t_done();
}
