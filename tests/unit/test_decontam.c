/* test_decontam.c — normalisation, layouts, matching, the tally. */
#include <stdlib.h>
#include <string.h>

#include "decontam.h"
#include "t.h"

/* the words of s as one string of hashes' low bytes is not readable; compare
 * two texts' word hashes instead */
static int same_words(const char *a, const char *b)
{
	decontam_toks x = {0}, y = {0};
	decontam_tokenize(a, strlen(a), &x);
	decontam_tokenize(b, strlen(b), &y);
	int eq = x.n == y.n;
	for (size_t i = 0; eq && i < x.n; i++) eq = x.hash[i] == y.hash[i];
	decontam_toks_free(&x);
	decontam_toks_free(&y);
	return eq;
}

static void test_normalise(void)
{
	T_CHECK(same_words("Hello, World!", "hello world"));
	T_CHECK(same_words("```\nx = $5$\n```", "X 5"));
	T_CHECK(same_words("\xef\xbd\x86\xef\xbd\x95\xef\xbd\x8c\xef\xbd\x8c", "full"));   /* fullwidth, NFKC */
	T_CHECK(same_words("Caf\xc3\xa9 \xc3\x89T\xc3\x89", "cafe ete"));                /* marks stripped, case folded */
	T_CHECK(same_words("remove_Occ(s)", "REMOVE_OCC S"));
	T_CHECK(!same_words("remove_occ", "remove occ"));
	T_CHECK(!same_words("3.14", "3 14 x"));
	T_CHECK(same_words("a\xff" "b", "a b"));   /* a stray byte separates */
	decontam_toks t = {0};
	const char *s = "One two. Three: four 3.14\nfive";
	decontam_tokenize(s, strlen(s), &t);
	T_EQ_INT(t.n, 7);
	if (t.n == 7) {
		int want[7] = {1, 0, 1, 1, 0, 0, 1};   /* units: start, after ". ", ": ", newline; not inside 3.14 */
		for (int i = 0; i < 7; i++) T_EQ_INT(t.unit[i], want[i]);
		T_EQ_INT(t.start[2], 9);
	}
	decontam_toks_free(&t);
}

/* 1 when decontam_tokenize and the byte-by-byte definition agree on s[0..n) */
static int same_as_ref(const char *s, size_t n)
{
	decontam_toks x = {0}, y = {0};
	decontam_tokenize(s, n, &x);
	decontam_tokenize_ref(s, n, &y);
	int eq = x.n == y.n;
	for (size_t i = 0; eq && i < x.n; i++)
		eq = x.hash[i] == y.hash[i] && x.start[i] == y.start[i] && x.unit[i] == y.unit[i];
	decontam_toks_free(&x);
	decontam_toks_free(&y);
	return eq;
}

/* The fast path (bit masks, ASCII words hashed from the text) against the
 * definition (every word through utf8proc) on texts built from the pieces
 * each rule looks at, across 64-byte blocks and at the text's end. */
static void test_fast_path(void)
{
	static const char *const piece[] = {
		"a", "Zeta", "x_1", "_", "0", "42", "longidentifier_name", "ABCDEFGHIJKLMNOPQ", " ", "  ", "\n", "\t",
		".", "?", "!", ":", ";", ",", "$", "`", "-", "\xc3\xa9", "\xc3\x89T\xc3\x89", "\xc2\xbd", "\xe2\x80\xa8",
		"\xc2\x85", "\xef\xbc\xa1", "\xf0\x9f\x98\x80", "\xe2\x80\xa6", "\xe4\xb8\xad\xe6\x96\x87", "\xff", "\xc3",
		"\xcc\x81", "\xef\xb7\xba",
	};
	const size_t np = sizeof piece / sizeof *piece;
	unsigned long long r = 88172645463325252ull;
	char buf[600];
	int bad = 0;
	for (int iter = 0; iter < 20000 && !bad; iter++) {
		size_t n = 0;
		r ^= r << 13; r ^= r >> 7; r ^= r << 17;
		size_t want = r % 300, ascii = (r >> 20) % 3 == 0;   /* a third with ASCII pieces only */
		while (n < want) {
			r ^= r << 13; r ^= r >> 7; r ^= r << 17;
			const char *p = piece[(r >> 11) % (ascii ? 21 : np)];
			size_t l = strlen(p);
			if (n + l > sizeof buf) break;
			memcpy(buf + n, p, l);
			n += l;
		}
		if (!same_as_ref(buf, n)) {
			bad = 1;
			T_CHECKF(0, "decontam_tokenize and decontam_tokenize_ref differ on \"%.*s\"", (int)n, buf);
		}
	}
	/* every prefix of a text that crosses blocks: each end case once */
	const char *s = "Sentence one. Two? \xc3\xa9t\xc3\xa9 3.14 a_b!\nnext line: x; end.\xe2\x80\xa8" "after_64_bytes_here.A"
	                "nd some more words here to pass 128 bytes at last. \xef\xbc\xa1\xef\xbc\xa2 done!";
	for (size_t k = 0; k <= strlen(s); k++) T_CHECKF(same_as_ref(s, k), "prefix of %zu bytes", k);
	T_CHECK(same_as_ref("", 0));
}

static decontam_index *index_of(const char *name, const char *text, char *err, size_t errlen, int *rc)
{
	decontam_index *ix = decontam_index_new(NULL);
	*rc = decontam_add_benchmark(ix, name, name, text, strlen(text), NULL, 0, err, errlen);
	decontam_index_build(ix);
	return ix;
}

static int hits(decontam_index *ix, const char *text, const decontam_hit **h)
{
	decontam_matcher *m = decontam_matcher_new(ix);
	static decontam_hit keep[8];
	decontam_match_begin(m);
	decontam_match_text(m, text, strlen(text));
	const decontam_hit *hh;
	int n = decontam_match_end(m, &hh);
	if (n > 0) memcpy(keep, hh, (size_t)(n < 8 ? n : 8) * sizeof *keep);
	decontam_matcher_free(m);
	if (h) *h = keep;
	return n;
}

static const char gsm[] =
	"{\"question\": \"Janet's ducks lay 16 eggs per day. She eats three for breakfast every morning and bakes muffins for her friends every day with four. She sells the remainder at the farmers' market daily for $2 per fresh duck egg. How much in dollars does she make every day at the farmers' market?\", \"answer\": \"#### 18\"}\n"
	"{\"question\": \"A robe takes 2 bolts of blue fiber and half that much white fiber. How many bolts in total does it take?\", \"answer\": \"#### 3\"}\n"
	"{\"question\": \"What is 7 times 8?\", \"answer\": \"#### 56\"}\n";

static void test_layouts(void)
{
	char err[256];
	int rc;
	decontam_index *ix = index_of("gsm8k", gsm, err, sizeof err, &rc);
	T_EQ_INT(rc, 0);
	const decontam_bench_stats *s = decontam_bench(ix, 0);
	T_EQ_STR(s->layout, "gsm8k");
	T_EQ_INT(s->items, 3);
	T_EQ_INT(s->seg_long, 2);
	T_EQ_INT(s->seg_short, 1);
	T_EQ_STR(decontam_item_id(ix, 1), "line 2");
	decontam_index_free(ix);

	ix = index_of("x", "{\"a\": 1, \"b\": \"c\"}\n", err, sizeof err, &rc);
	T_EQ_INT(rc, DECONTAM_ERR_LAYOUT);
	T_CHECKF(strstr(err, "fields: a, b") != NULL, "%s", err);
	decontam_index_free(ix);

	ix = index_of("x", "{\"problem\": \"Compute the sum of the first ten primes now.\"}\n{\"problem\": \"x\"\n", err, sizeof err, &rc);
	T_EQ_INT(rc, DECONTAM_ERR_DATA);
	T_CHECKF(strstr(err, "x:2:") != NULL, "%s", err);
	decontam_index_free(ix);

	/* MBPP sanitized: one JSON array; ids from task_id */
	ix = index_of("san", "[{\"task_id\": 7, \"prompt\": \"Write a function to find the shared elements from the given two lists.\", \"code\": \"def similar_elements(a, b):\\n  return tuple(set(a) & set(b))\", \"test_list\": [\"assert similar_elements((1, 2), (2, 3)) == (2,)\"]}]",
	              err, sizeof err, &rc);
	T_EQ_INT(rc, 0);
	T_EQ_STR(decontam_bench(ix, 0)->layout, "mbpp-sanitized");
	T_EQ_STR(decontam_item_id(ix, 0), "7");
	decontam_index_free(ix);

	/* HumanEval: prompt, the body alone only when long, and the body under its def line */
	ix = index_of("he", "{\"task_id\": \"HumanEval/23\", \"prompt\": \"\\n\\ndef strlen(string: str) -> int:\\n    \\\"\\\"\\\" Return length of given string\\n    >>> strlen('')\\n    0\\n    >>> strlen('abc')\\n    3\\n    \\\"\\\"\\\"\\n\", \"canonical_solution\": \"    return len(string)\\n\", \"entry_point\": \"strlen\"}\n",
	              err, sizeof err, &rc);
	T_EQ_INT(rc, 0);
	s = decontam_bench(ix, 0);
	T_EQ_INT(s->seg_too_short, 1);
	T_EQ_INT(s->seg_short, 2);
	const decontam_hit *h;
	T_EQ_INT(hits(ix, "Sure:\n```python\ndef strlen(string: str) -> int:\n    return len(string)\n```", &h), 1);
	T_EQ_STR(h[0].field, "def+canonical_solution");
	T_EQ_INT(hits(ix, "def strlen(s):\n    return len(string)\n", NULL), 0);
	T_EQ_INT(hits(ix, "x = 1\n    return len(string)\n", NULL), 0);
	decontam_index_free(ix);
}

static void test_long(void)
{
	char err[256];
	int rc;
	decontam_index *ix = index_of("gsm8k", gsm, err, sizeof err, &rc);
	const decontam_hit *h;
	/* verbatim, embedded, in another role's words */
	T_EQ_INT(hits(ix, "Please solve: Janet's ducks lay 16 eggs per day. She eats three for breakfast every morning and bakes muffins for her friends every day with four. She sells the remainder at the farmers' market daily for $2 per fresh duck egg. How much in dollars does she make every day at the farmers' market? Thanks!", &h), 1);
	T_CHECK(h[0].score == 1.0);
	T_EQ_STR(h[0].field, "question");
	T_CHECKF(!strncmp(h[0].excerpt, "Janet's ducks lay 16", 20), "%s", h[0].excerpt);
	/* reformatted */
	T_EQ_INT(hits(ix, "JANET S DUCKS LAY $16$ EGGS PER DAY\nSHE EATS THREE FOR BREAKFAST EVERY MORNING AND BAKES MUFFINS FOR HER FRIENDS EVERY DAY WITH FOUR\nShe sells the remainder at the farmers market daily for 2 per fresh duck egg; how much in dollars does she make every day at the farmers market", NULL), 1);
	/* most of it */
	T_EQ_INT(hits(ix, "She eats three for breakfast every morning and bakes muffins for her friends every day with four. She sells the remainder at the farmers' market daily for $2 per fresh duck egg. How much in dollars does she make", NULL), 1);
	/* a quoted sentence of it is not */
	T_EQ_INT(hits(ix, "As the textbook says, \"She eats three for breakfast every morning and bakes muffins\" - a classic.", NULL), 0);
	/* the same template, other numbers and names: a different problem */
	T_EQ_INT(hits(ix, "Tom's hens lay 12 eggs per day. He eats two for breakfast every morning and bakes bread for his neighbours every day with three. He sells the rest at the market daily for $3 per egg. How much in dollars does he make every day at the market?", NULL), 0);
	decontam_index_free(ix);
}

static void test_short(void)
{
	char err[256];
	int rc;
	decontam_index *ix = index_of("gsm8k", gsm, err, sizeof err, &rc);
	T_EQ_INT(hits(ix, "What is 7 times 8?", NULL), 1);
	T_EQ_INT(hits(ix, "Quick one: what is 7 times 8? Show your work.", NULL), 1);
	T_EQ_INT(hits(ix, "```\nwhat is 7 times 8\n```", NULL), 1);
	/* not whole: a longer question that starts the same */
	T_EQ_INT(hits(ix, "What is 7 times 8 plus 2?", NULL), 0);
	T_EQ_INT(hits(ix, "So what is 7 times 8?", NULL), 0);
	decontam_index_free(ix);
	/* a short text two items share is generic: neither matches it */
	ix = index_of("mmlu", "{\"question\": \"Which of the following is true?\"}\n{\"question\": \"Which of the following is true?\"}\n{\"question\": \"Which planet is closest to the sun?\"}\n",
	              err, sizeof err, &rc);
	T_EQ_INT(decontam_bench(ix, 0)->seg_generic, 2);
	T_EQ_INT(hits(ix, "Which of the following is true?", NULL), 0);
	T_EQ_INT(hits(ix, "which planet is closest to the sun", NULL), 1);
	decontam_index_free(ix);
}

static void test_boilerplate(void)
{
	/* three items sharing a sentence: it counts for none of them */
#define TAIL " When you are done, express your answer as a common fraction reduced to lowest terms, write it inside a box at the end of your solution, and check it once more against the conditions stated above before you submit it."
	const char *b =
		"{\"problem\": \"Let f(x) = x^2 + 3x + 7 and g(x) = 2x - 5. Find f(g(2))." TAIL "\"}\n"
		"{\"problem\": \"A jar holds 4 red and 6 blue marbles, two drawn at random." TAIL "\"}\n"
		"{\"problem\": \"The ratio of boys to girls in a class of 35 is 3 to 4." TAIL "\"}\n";
	char err[256];
	int rc;
	decontam_index *ix = index_of("m", b, err, sizeof err, &rc);
	T_EQ_INT(rc, 0);
	T_EQ_INT(hits(ix, "Flip a coin three times; what is the chance of two heads?" TAIL, NULL), 0);
	T_EQ_INT(hits(ix, "A jar holds 4 red and 6 blue marbles, two drawn at random." TAIL, NULL), 1);
#undef TAIL
	decontam_index_free(ix);
}

static void test_record(void)
{
	char err[256];
	int rc;
	decontam_index *ix = index_of("gsm8k", gsm, err, sizeof err, &rc);
	decontam_matcher *m = decontam_matcher_new(ix);
	json_doc d;
	json_doc_init(&d);
	/* split across two messages, one as content parts: coverage counts the whole record */
	const char *r = "{\"id\":\"r1\",\"source\":\"s\",\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":"
	                "\"Janet's ducks lay 16 eggs per day. She eats three for breakfast every morning and bakes muffins for her friends every day with four.\"}]},"
	                "{\"role\":\"assistant\",\"content\":\"She sells the remainder at the farmers' market daily for $2 per fresh duck egg. How much in dollars does she make every day at the farmers' market?\"}]}";
	const decontam_hit *h;
	T_EQ_INT(json_parse(&d, r, strlen(r)), 0);
	T_EQ_INT(decontam_match_record(m, &d, 0, &h), 1);
	T_CHECKF(h[0].score > 0.8 && h[0].score < 1, "%f", h[0].score);
	r = "{\"question\":\"unused\",\"x\":{\"y\":[\"What is 7 times 8?\"]}}";
	T_EQ_INT(json_parse(&d, r, strlen(r)), 0);
	T_EQ_INT(decontam_match_record(m, &d, 0, &h), 1);   /* no messages: every string value */
	decontam_tally *t = decontam_tally_new(ix);
	decontam_tally_add(t, &h[0], "src/a", 5, "id1", 3);
	decontam_tally_add(t, &h[0], "src/b", 5, "id2", 3);
	decontam_tally_add(t, &h[0], "src/a", 5, "id3", 3);
	decontam_tally_drop(t, &h[0]);
	T_EQ_INT(decontam_tally_rows(t, 0), 1);
	strbuf out = STRBUF_INIT;
	decontam_tally_write(t, &out);
	T_EQ_STR(out.p, "{\"benchmark\":\"gsm8k\",\"item\":\"line 3\",\"field\":\"question\",\"rows\":3,\"sources\":[\"src/a\",\"src/b\"],"
	                "\"more_sources\":false,\"example\":\"id1\",\"score\":1.000,\"excerpt\":\"What is 7 times 8?\"}\n");
	strbuf_free(&out);
	decontam_tally_free(t);
	json_doc_free(&d);
	decontam_matcher_free(m);
	decontam_index_free(ix);
}

/* GSM8K's train questions are other problems on the test set's templates */
static void test_gsm8k_train(void)
{
	char p1[2048], p2[2048];
	snprintf(p1, sizeof p1, "%s/benchmarks/gsm8k/test.jsonl", t_shared());
	snprintf(p2, sizeof p2, "%s/benchmarks/gsm8k/train.jsonl", t_shared());
	size_t n1 = 0, n2 = 0;
	char *a = t_read_file(p1, &n1), *b = t_read_file(p2, &n2);
	if (!a || !b) { free(a); free(b); T_SKIP("%s/benchmarks/gsm8k absent", t_shared()); }
	decontam_index *ix = decontam_index_new(NULL);
	char err[256];
	T_EQ_INT(decontam_add_benchmark(ix, "gsm8k", p1, a, n1, NULL, 0, err, sizeof err), 0);
	decontam_index_build(ix);
	decontam_matcher *m = decontam_matcher_new(ix);
	json_doc d;
	json_doc_init(&d);
	int lines = 0, dropped = 0;
	for (char *l = b, *e; l < b + n2; l = e + 1) {
		e = memchr(l, '\n', (size_t)(b + n2 - l));
		if (!e) e = b + n2;
		if (json_parse(&d, l, (size_t)(e - l))) continue;
		const decontam_hit *h;
		lines++;
		if (decontam_match_record(m, &d, 0, &h)) dropped++;
	}
	T_EQ_INT(lines, 7473);
	T_EQ_INT(dropped, 0);
	/* and every test question is caught, as its own record */
	int caught = 0;
	lines = 0;
	for (char *l = a, *e; l < a + n1; l = e + 1) {
		e = memchr(l, '\n', (size_t)(a + n1 - l));
		if (!e) e = a + n1;
		if (json_parse(&d, l, (size_t)(e - l))) continue;
		const decontam_hit *h;
		lines++;
		if (decontam_match_record(m, &d, 0, &h)) caught++;
	}
	T_EQ_INT(caught, lines);
	json_doc_free(&d);
	decontam_matcher_free(m);
	decontam_index_free(ix);
	free(a);
	free(b);
}

int main(void)
{
	T_RUN(test_normalise);
	T_RUN(test_fast_path);
	T_RUN(test_layouts);
	T_RUN(test_long);
	T_RUN(test_short);
	T_RUN(test_boilerplate);
	T_RUN(test_record);
	T_RUN(test_gsm8k_train);
	return t_done();
}
