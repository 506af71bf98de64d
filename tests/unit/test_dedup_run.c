/* test_dedup_run — the deduplication run without a process: verdicts of the
 * lean exact path and the record table (which must agree), near duplicates,
 * the reference set, --keep-per-key, --drop-clusters, the clusters file,
 * shards by key, the --key program's errors and warnings. */
#include "t.h"
#include "dedup.h"
#include "dedup_run.h"
#include "jqprog.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char tmpd[] = "/tmp/test_dedup_run.XXXXXX";

static dedup_cfg base(int exact, int near)
{
	dedup_cfg g = { .exact = exact, .near = near, .fold = 1, .ngram = 5, .bands = 14, .rows = 8,
			.threshold = 0.8, .keep_per_key = 1, .shard_timeout = 0, .tmpdir = tmpd };
	return g;
}

static const char *long_text(int variant)
{
	static char b[2][2048];
	char *p = b[variant & 1];
	p[0] = 0;
	for (int i = 0; i < 60; i++) {
		char w[32];
		snprintf(w, sizeof w, "%sword%d", i ? " " : "", (i == 30 && variant) ? 999 : i);
		strcat(p, w);
	}
	return p;
}

static char *rec(const char *id, const char *source, const char *user, const char *asst)
{
	static char b[8][4096];
	static int k;
	char *p = b[k++ % 8];
	snprintf(p, 4096, "{\"id\":\"%s\",\"source\":\"%s\",\"messages\":[{\"role\":\"user\",\"content\":\"%s\"},"
		 "{\"role\":\"assistant\",\"content\":\"%s\"}]}", id, source, user, asst);
	return p;
}

/* Run lines (file_ranks[i] their file) through cfg; the verdicts as
 * "id:reason:dup_of" words, joined by spaces, into out. */
static int run(const dedup_cfg *cfg, const char *against, const char **lines, const int *file_ranks, int n,
	       char *out, size_t on, char *err, size_t en)
{
	dedup_run *r = dedup_new(cfg);
	json_doc d;
	json_doc_init(&d);
	int rc = dedup_start(r);
	if (!rc && against) rc = dedup_against(r, against);
	for (int i = 0; i < n && !rc; i++) {
		if (json_parse(&d, lines[i], strlen(lines[i]))) { rc = -9; break; }
		rc = dedup_add(r, &d, lines[i], strlen(lines[i]), file_ranks ? file_ranks[i] : 0, 0);
	}
	if (!rc) rc = dedup_resolve(r);
	out[0] = 0;
	dedup_verdict v;
	int got;
	while (!rc && (got = dedup_next(r, &v)) != 0) {
		if (got < 0) { rc = got; break; }
		if (json_parse(&d, v.line, v.len)) { rc = -9; break; }
		strbuf id = {0};
		json_str_append(&d, json_get(&d, 0, "id"), &id);
		size_t l = strlen(out);
		snprintf(out + l, on - l, "%s%.*s:%s:%s", l ? " " : "", (int)id.len, id.p,
			 v.reason ? v.reason : "keep", v.dup_of ? v.dup_of : "-");
		strbuf_free(&id);
	}
	snprintf(err, en, "%s", rc ? dedup_errmsg(r) : "");
	json_doc_free(&d);
	dedup_free(r);
	return rc;
}

static void test_exact_lean_and_table_agree(void)
{
	const char *l[] = { rec("a", "s1", "Hello  World", "hi"), rec("b", "s2", "hello world", "HI"),
			    rec("c", "s1", "other", "x"), rec("d", "s2", "hello world", "hi") };
	int fr[] = { 0, 1, 1, 1 };
	char out[1024], out2[1024], err[512];
	dedup_cfg g = base(1, 0);
	T_EQ_INT(run(&g, NULL, l, fr, 4, out, sizeof out, err, sizeof err), 0);
	T_EQ_STR(out, "a:keep:- b:duplicate:a c:keep:- d:duplicate:a");
	g.generic = 1;
	T_EQ_INT(run(&g, NULL, l, fr, 4, out2, sizeof out2, err, sizeof err), 0);
	T_EQ_STR(out2, out);
	/* priority: s2 first, so b survives; a record of s1 seen means s1 is seen */
	char *pr[] = { "s2", "s1" };
	g.priority = pr;
	g.npriority = 2;
	g.generic = 0;
	T_EQ_INT(run(&g, NULL, l, fr, 4, out, sizeof out, err, sizeof err), 0);
	T_EQ_STR(out, "a:duplicate:b b:keep:- c:keep:- d:duplicate:b");
	g.generic = 1;
	T_EQ_INT(run(&g, NULL, l, fr, 4, out2, sizeof out2, err, sizeof err), 0);
	T_EQ_STR(out2, out);
}

static void test_keep_per_key_and_drop_clusters(void)
{
	const char *l[] = { rec("a", "s", "q", "1"), rec("b", "s", "q", "1"), rec("c", "s", "q", "1"), rec("e", "s", "z", "1") };
	char out[1024], err[512];
	dedup_cfg g = base(1, 0);
	g.keep_per_key = 2;
	T_EQ_INT(run(&g, NULL, l, NULL, 4, out, sizeof out, err, sizeof err), 0);
	T_EQ_STR(out, "a:keep:- b:keep:- c:duplicate:a e:keep:-");
	g.keep_per_key = 1;
	g.drop_clusters = 1;
	T_EQ_INT(run(&g, NULL, l, NULL, 4, out, sizeof out, err, sizeof err), 0);
	T_EQ_STR(out, "a:in_cluster:a b:duplicate:a c:duplicate:a e:keep:-");
	g.exact = g.near = 1;
	T_EQ_INT(run(&g, NULL, l, NULL, 4, out, sizeof out, err, sizeof err), 0);
	T_EQ_STR(out, "a:in_cluster:a b:duplicate:a c:duplicate:a e:keep:-");
}

static void test_near(void)
{
	char a[4096], b[4096], c[4096];
	snprintf(a, sizeof a, "%s", rec("a", "s", "tell me", long_text(0)));
	snprintf(b, sizeof b, "%s", rec("b", "s", "tell me", long_text(1)));
	snprintf(c, sizeof c, "%s", rec("c", "s", "something else entirely", "no"));
	const char *l[] = { a, b, c };
	char out[1024], err[512];
	dedup_cfg g = base(0, 1);
	T_EQ_INT(run(&g, NULL, l, NULL, 3, out, sizeof out, err, sizeof err), 0);
	T_EQ_STR(out, "a:keep:- b:near_duplicate:a c:keep:-");
	g.exact = 1;
	T_EQ_INT(run(&g, NULL, l, NULL, 3, out, sizeof out, err, sizeof err), 0);
	T_EQ_STR(out, "a:keep:- b:near_duplicate:a c:keep:-");
	g.threshold = 1;   /* one word in 60 changed: below an exact Jaccard of 1 */
	T_EQ_INT(run(&g, NULL, l, NULL, 3, out, sizeof out, err, sizeof err), 0);
	T_EQ_STR(out, "a:keep:- b:keep:- c:keep:-");
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	fputs(text, f);
	fclose(f);
}

static char *slurp(const char *path)
{
	static char b[4096];
	FILE *f = fopen(path, "r");
	size_t n = f ? fread(b, 1, sizeof b - 1, f) : 0;
	b[n] = 0;
	if (f) fclose(f);
	return b;
}

static void test_against_and_clusters(void)
{
	char ref[512], cl[512], text[2048];
	snprintf(ref, sizeof ref, "%s/ref.jsonl", tmpd);
	snprintf(cl, sizeof cl, "%s/cl.jsonl", tmpd);
	snprintf(text, sizeof text, "%s\n%s\n", rec("r1", "bench", "q", "1"), rec("r2", "bench", "solo", "1"));
	write_file(ref, text);
	const char *l[] = { rec("a", "s", "x", "1"), rec("b", "s", "q", "1"), rec("c", "s", "x", "1") };
	char out[1024], err[512];
	for (int generic = 0; generic < 2; generic++) {
		dedup_cfg g = base(1, 0);
		g.generic = generic;
		g.clusters = cl;
		T_EQ_INT(run(&g, ref, l, NULL, 3, out, sizeof out, err, sizeof err), 0);
		T_EQ_STR(out, "a:keep:- b:duplicate:r1 c:duplicate:a");
		T_EQ_STR(slurp(cl), "{\"survivor\":\"r1\",\"members\":[\"r1\",\"b\"]}\n"
				    "{\"survivor\":\"a\",\"members\":[\"a\",\"c\"]}\n");
	}
	/* a bad reference line names its file and line */
	snprintf(text, sizeof text, "%s\n[1]\n", rec("r1", "bench", "q", "1"));
	write_file(ref, text);
	dedup_cfg g = base(1, 1);
	T_EQ_INT(run(&g, ref, l, NULL, 3, out, sizeof out, err, sizeof err), DEDUP_ERR);
	char want[600];
	snprintf(want, sizeof want, "%s:2: not a JSON object", ref);
	T_EQ_STR(err, want);
	g = base(1, 0);
	snprintf(want, sizeof want, "%s/none.jsonl", tmpd);
	T_EQ_INT(run(&g, want, l, NULL, 3, out, sizeof out, err, sizeof err), DEDUP_ERR);
	T_CHECKF(strstr(err, "none.jsonl: No such file"), "%s", err);
	unlink(ref);
	unlink(cl);
}

static void test_shards_by_key(void)
{
	const char *l[] = { rec("a", "s", "1", "x"), rec("b", "s", "2", "x"), rec("c", "s", "1", "x"),
			    rec("d", "s", "3", "x"), rec("e", "s", "2", "x"), rec("f", "s", "4", "x") };
	char out[3][1024], err[512];
	for (uint32_t i = 0; i < 3; i++) {
		dedup_cfg g = base(1, 0);
		g.shard_i = i;
		g.shard_n = 3;
		T_EQ_INT(run(&g, NULL, l, NULL, 6, out[i], sizeof out[i], err, sizeof err), 0);
	}
	/* every record is decided by exactly one shard, the same way as unsharded */
	const char *want[] = { "a:keep:-", "b:keep:-", "c:duplicate:a", "d:keep:-", "e:duplicate:b", "f:keep:-" };
	for (int k = 0; k < 6; k++) {
		int deciders = 0;
		for (int i = 0; i < 3; i++) deciders += strstr(out[i], want[k]) != NULL;
		T_CHECKF(deciders == 1, "%s decided by %d shards", want[k], deciders);
	}
}

static void test_key_program(void)
{
	const char *l[] = { rec("a", "s", "p", "1"), rec("b", "s", "p", "2"), rec("c", "s", "q", "3") };
	char out[1024], err[512];
	dedup_cfg g = base(1, 0);
	char e[512];
	g.jq = jqprog_compile(".messages[0].content", e, sizeof e);
	T_CHECK(g.jq != NULL);
	T_EQ_INT(run(&g, NULL, l, NULL, 3, out, sizeof out, err, sizeof err), 0);
	T_EQ_STR(out, "a:keep:- b:duplicate:a c:keep:-");
	jq_teardown(&g.jq);
	/* no key: kept, compared with none, counted */
	g.jq = jqprog_compile(".nothing", e, sizeof e);
	char *pr[] = { "s", "zz" };   /* "zz" is no record's source */
	g.priority = pr;
	g.npriority = 2;
	dedup_run *r = dedup_new(&g);
	json_doc d;
	json_doc_init(&d);
	T_EQ_INT(dedup_start(r), 0);
	for (int i = 0; i < 3; i++) {
		T_EQ_INT(json_parse(&d, l[i], strlen(l[i])), 0);
		T_EQ_INT(dedup_add(r, &d, l[i], strlen(l[i]), 0, 0), 0);
	}
	T_EQ_INT(dedup_nokey(r), 3);
	T_EQ_INT(dedup_priority_seen(r, 0), 1);
	T_EQ_INT(dedup_priority_seen(r, 1), 0);
	T_EQ_INT(dedup_priority_seen(r, 2), 0);
	dedup_free(r);
	g.priority = NULL;
	g.npriority = 0;
	jq_teardown(&g.jq);
	/* a program that fails is the record's error */
	g.jq = jqprog_compile("error(\"boom\")", e, sizeof e);
	for (int near = 0; near < 2; near++) {
		g.near = near;
		T_EQ_INT(run(&g, NULL, l, NULL, 3, out, sizeof out, err, sizeof err), DEDUP_EDATA);
		T_EQ_STR(err, "--key: boom");
	}
	jq_teardown(&g.jq);
	json_doc_free(&d);
}

int main(void)
{
	if (!mkdtemp(tmpd)) { perror("mkdtemp"); return 1; }
	T_RUN(test_exact_lean_and_table_agree);
	T_RUN(test_keep_per_key_and_drop_clusters);
	T_RUN(test_near);
	T_RUN(test_against_and_clusters);
	T_RUN(test_shards_by_key);
	T_RUN(test_key_program);
	rmdir(tmpd);
	return t_done();
}
