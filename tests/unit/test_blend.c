/* test_blend.c — the recipe parser, and the draw's exact counts, epochs, validation split and independence. */
#include "blend.h"
#include "t.h"

#include <unistd.h>

static int parse(blend_recipe *r, const char *text, char *err)
{
	return blend_recipe_parse(r, text, strlen(text), "t.recipe", err, 256);
}

static void test_recipe(void)
{
	blend_recipe r;
	char err[256];
	T_EQ_INT(parse(&r, "# c\nseed 42\nA 10 source=x domain!=Coding  # tail\n\nB 50%\nC 25.5%total flag=true\n", err), 0);
	T_EQ_INT(r.nparts, 3);
	T_CHECK(r.have_seed && r.seed == 42);
	T_EQ_STR(r.parts[0].name, "A");
	T_CHECK(r.parts[0].kind == BLEND_COUNT && r.parts[0].count == 10);
	T_EQ_INT(r.parts[0].nconds, 2);
	T_EQ_STR(r.parts[0].conds[1].field, "domain");
	T_EQ_STR(r.parts[0].conds[1].value, "Coding");
	T_EQ_INT(r.parts[0].conds[1].negate, 1);
	T_CHECK(r.parts[1].kind == BLEND_PERCENT && r.parts[1].pct == 50);
	T_CHECK(r.parts[2].kind == BLEND_SHARE && r.parts[2].pct == 25.5);
	T_EQ_INT(r.parts[2].line, 6);
	blend_recipe_free(&r);

	/* quoted values: blanks and '#' inside, \" and \\ escapes, a comment right after */
	T_EQ_INT(parse(&r, "A 10 domain!=\"Tool Use\" tag=\"a#b\"# c\nB 5 q=\"say \\\"hi\\\" \\\\\" \"\"x=1\n", err), 0);
	T_EQ_INT(r.nparts, 2);
	T_EQ_INT(r.parts[0].nconds, 2);
	T_EQ_STR(r.parts[0].conds[0].value, "Tool Use");
	T_EQ_INT(r.parts[0].conds[0].negate, 1);
	T_EQ_STR(r.parts[0].conds[1].value, "a#b");
	T_EQ_INT(r.parts[1].nconds, 2);
	T_EQ_STR(r.parts[1].conds[0].value, "say \"hi\" \\");
	T_EQ_STR(r.parts[1].conds[1].field, "x");
	blend_recipe_free(&r);

	static const struct { const char *text, *msg; } bad[] = {
		{"A ten\n", "t.recipe:1: expected a count (0 to 4294967295), P% or P%total, found 'ten'"},
		{"\nA -3\n", "t.recipe:2: expected a count"},
		{"A 10\nA 5\n", "t.recipe:2: part 'A' is already named on line 1"},
		{"A 10 domain\n", "t.recipe:1: expected a condition FIELD=VALUE or FIELD!=VALUE, found 'domain'"},
		{"A 10 =x\n", "t.recipe:1: expected a condition"},
		{"A 10 !=x\n", "t.recipe:1: expected a condition"},
		{"seed x\nA 1\n", "t.recipe:1: expected 'seed N'"},
		{"seed 1\nseed 2\nA 1\n", "t.recipe:2: a second seed line"},
		{"A\n", "t.recipe:1: expected 'NAME COUNT [FIELD=VALUE]...', found only 'A'"},
		{"A 1 domain=\"Tool Use\nB 2\n", "t.recipe:1: a quote is not closed"},
		{"# nothing\n", "t.recipe: no parts"},
		{"A 100%total\n", "t.recipe:1: expected a share of the total above 0% and below 100%"},
		{"A 0%\n", "t.recipe:1: expected a percentage"},
		{"A 1e3\n", "t.recipe:1: expected a count"},
		{"A 5%%\n", "t.recipe:1: expected a percentage"},
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		err[0] = 0;
		T_CHECKF(parse(&r, bad[i].text, err) == -1, "%s", bad[i].text);
		T_CHECKF(!strncmp(err, bad[i].msg, strlen(bad[i].msg)), "'%s' gave '%s'", bad[i].text, err);
		blend_recipe_free(&r);
	}
	T_EQ_INT(blend_recipe_parse(&r, "A 1\0", 4, "t", err, sizeof err), -1);
	blend_recipe_free(&r);
}

/* a blend with nk parts of sizes n[k], records numbered in order */
static void setup(blend *b, blend_recipe *r, const char *text, const size_t *n)
{
	char err[256];
	T_EQ_INT(parse(r, text, err), 0);
	blend_init(b, r);
	for (int k = 0; k < r->nparts; k++)
		for (size_t i = 0; i < n[k]; i++) T_EQ_INT(blend_add(b, k, 0, b->n * 10, 9, err, sizeof err), 0);
}

static size_t count_part(const blend *b, int set, int k)
{
	/* setup numbers part k's records contiguously after the parts before it */
	size_t base = 0, c = 0, n = b->recipe->parts[k].n;
	for (int j = 0; j < k; j++) base += b->recipe->parts[j].n;
	for (size_t i = 0; i < b->nset[set]; i++) c += b->set[set][i] >= base && b->set[set][i] < base + n;
	return c;
}

static void test_draw_counts(void)
{
	blend b;
	blend_recipe r;
	strbuf notes = STRBUF_INIT;
	char err[256];
	size_t n[] = {100, 30, 0, 50};
	setup(&b, &r, "A 40\nB 70\nC 5\nD 50%\n", n);
	blend_val v;
	T_EQ_INT(blend_val_parse(&v, "0.1"), 0);
	T_EQ_INT(blend_draw(&b, 7, &v, &notes, err, sizeof err), 0);
	T_EQ_INT(r.parts[0].taken, 40);
	T_EQ_INT(r.parts[1].taken, 70);
	T_EQ_INT(r.parts[1].epochs, 2);          /* 7 validation, 63 = 2 x 23 + 17 */
	T_EQ_INT(r.parts[2].shortfall, 5);
	T_EQ_INT(r.parts[3].requested, 25);
	T_EQ_INT(r.parts[0].val + r.parts[1].val + r.parts[3].val, 4 + 7 + 3);
	T_EQ_INT(b.nset[0] + b.nset[1], 40 + 70 + 25);
	T_EQ_INT(b.nset[1], 14);
	T_EQ_INT(count_part(&b, 0, 1) + count_part(&b, 1, 1), 70);
	T_CHECK(strstr(notes.p, "part C: 0 records available for 5 requested"));
	T_CHECK(strstr(notes.p, "part B: 70 requested from 30 available: 2 whole epoch(s) and a sample of 17"));
	/* A: no repeats; B: validation never in training */
	int seen[200] = {0};
	for (size_t i = 0; i < b.nset[0]; i++) seen[b.set[0][i]]++;
	for (size_t i = 0; i < b.nset[1]; i++) { T_EQ_INT(seen[b.set[1][i]], 0); seen[b.set[1][i]] += 100; }
	for (uint32_t x = 0; x < 100; x++) T_CHECK(seen[x] <= 1 || seen[x] == 100);
	T_EQ_INT(blend_distinct(&b), 40 + 30 + 25);
	blend_free(&b);
	blend_recipe_free(&r);
	strbuf_free(&notes);
}

static void test_val_count_exact(void)
{
	blend b;
	blend_recipe r;
	char err[256];
	size_t n[] = {1000, 1000, 1000};
	setup(&b, &r, "A 333\nB 333\nC 334\n", n);
	blend_val v;
	T_EQ_INT(blend_val_parse(&v, "10"), 0);
	T_CHECK(v.is_count && v.count == 10);
	T_EQ_INT(blend_draw(&b, 1, &v, NULL, err, sizeof err), 0);
	T_EQ_INT(b.nset[1], 10);                  /* 3.33 + 3.33 + 3.34: rounding each would give 9 */
	T_EQ_INT(r.parts[2].val, 4);
	blend_free(&b);
	blend_recipe_free(&r);
	T_EQ_INT(blend_val_parse(&v, "1.5"), -1);
	T_EQ_INT(blend_val_parse(&v, "-1"), -1);
	T_EQ_INT(blend_val_parse(&v, "x"), -1);
	T_EQ_INT(blend_val_parse(&v, "0"), 0);
	T_CHECK(!v.is_count && v.fraction == 0);
}

static void test_shares(void)
{
	blend b;
	blend_recipe r;
	char err[256];
	blend_val v = {0, 0, 0};
	size_t n[] = {100, 100};
	setup(&b, &r, "A 30\nB 25%total\n", n);
	T_EQ_INT(blend_draw(&b, 1, &v, NULL, err, sizeof err), 0);
	T_EQ_INT(r.parts[1].taken, 10);           /* 25% of 40 */
	blend_free(&b);
	blend_recipe_free(&r);
	size_t m[] = {10, 100};
	setup(&b, &r, "A 50%total\nB 50%total\n", m);
	T_EQ_INT(blend_draw(&b, 1, &v, NULL, err, sizeof err), 0);
	T_EQ_INT(r.parts[0].taken, 10);
	T_EQ_INT(r.parts[1].taken, 10);
	blend_free(&b);
	blend_recipe_free(&r);
	setup(&b, &r, "A 60%total\nB 50%total\n", m);
	T_EQ_INT(blend_draw(&b, 1, &v, NULL, err, sizeof err), -1);
	T_CHECK(strstr(err, "more than 100%"));
	blend_free(&b);
	blend_recipe_free(&r);
}

/* a part's draw depends on the seed, its name and its records only */
static void test_independent_parts(void)
{
	blend b1, b2;
	blend_recipe r1, r2;
	char err[256];
	blend_val v = {0, 0, 0};
	size_t n[] = {500, 500};
	setup(&b1, &r1, "A 100\nB 10\n", n);
	setup(&b2, &r2, "A 100\nB 300\n", n);
	T_EQ_INT(blend_draw(&b1, 5, &v, NULL, err, sizeof err), 0);
	T_EQ_INT(blend_draw(&b2, 5, &v, NULL, err, sizeof err), 0);
	int in1[1000] = {0}, in2[1000] = {0}, same = 1;
	for (size_t i = 0; i < b1.nset[0]; i++) in1[b1.set[0][i]] = 1;
	for (size_t i = 0; i < b2.nset[0]; i++) in2[b2.set[0][i]] = 1;
	for (int x = 0; x < 500; x++) same &= in1[x] == in2[x];
	T_CHECK(same);
	blend_free(&b1);
	blend_free(&b2);
	blend_recipe_free(&r1);
	blend_recipe_free(&r2);
}

static void test_project(void)
{
	json_doc d;
	json_doc_init(&d);
	strbuf o = STRBUF_INIT;
	const char *rec = "{\"id\":\"x\",\"n\":9223372036854775807,\"messages\":[{\"role\":\"user\",\"content\":\"\\u00e9\"}],\"source\":\"s\"}";
	T_EQ_INT(blend_project(&o, &d, rec, strlen(rec), NULL, 0), 0);
	T_EQ_STR(o.p, "{\"messages\":[{\"role\":\"user\",\"content\":\"\\u00e9\"}]}");
	strbuf_reset(&o);
	const char *keep[] = {"source", "n"};
	T_EQ_INT(blend_project(&o, &d, rec, strlen(rec), keep, 2), 0);
	T_EQ_STR(o.p, "{\"n\":9223372036854775807,\"messages\":[{\"role\":\"user\",\"content\":\"\\u00e9\"}],\"source\":\"s\"}");
	strbuf_reset(&o);
	T_EQ_INT(blend_project(&o, &d, "[1]", 3, NULL, 0), -1);
	strbuf_free(&o);
	json_doc_free(&d);
}

/* the manifest goes to its temp file beside the sets, whole and synced, and
 * only blend_commit puts it in place; a directory it cannot write names the
 * target and leaves nothing */
static void test_manifest_atomic(void)
{
	char dir[] = "/tmp/test_blend.XXXXXX", err[512] = "", tmp[4200], path[4300];
	T_CHECK(mkdtemp(dir) != NULL);
	const char *names[] = {"manifest.json"};
	const char text[] = "{\"tool\":\"blend\"}\n";
	T_EQ_INT(blend_write_manifest(dir, names[0], text, sizeof text - 1, err, sizeof err), 0);
	blend_tmp_path(tmp, sizeof tmp, dir, names[0]);
	snprintf(path, sizeof path, "%s/%s", dir, names[0]);
	size_t n = 0;
	char *got = t_read_file(tmp, &n);
	T_CHECK(got && n == sizeof text - 1 && !memcmp(got, text, n));
	free(got);
	T_CHECK(access(path, F_OK) != 0);
	T_EQ_INT(blend_commit(dir, names, 1, err, sizeof err), 0);
	got = t_read_file(path, &n);
	T_CHECK(got && n == sizeof text - 1 && !memcmp(got, text, n));
	free(got);
	T_CHECK(access(tmp, F_OK) != 0);
	unlink(path);
	char bad[4300];
	snprintf(bad, sizeof bad, "%s/none", dir);
	T_EQ_INT(blend_write_manifest(bad, names[0], text, sizeof text - 1, err, sizeof err), -1);
	snprintf(path, sizeof path, "%s/none/manifest.json: No such file or directory", dir);
	T_EQ_STR(err, path);
	T_EQ_INT(rmdir(dir), 0);
}

int main(void)
{
	T_RUN(test_recipe);
	T_RUN(test_draw_counts);
	T_RUN(test_val_count_exact);
	T_RUN(test_shares);
	T_RUN(test_independent_parts);
	T_RUN(test_project);
	T_RUN(test_manifest_atomic);
	return t_done();
}
