/* test_convert — the openmath release filters: the last \boxed{} (balanced
 * braces, escapes, trimming) and the short-solution and answer checks. */
#include "t.h"
#include "convert.h"

#include <string.h>

static int boxed(const char *s, const char *want)
{
	const char *a;
	size_t n;
	if (convert_last_boxed(s, strlen(s), &a, &n)) return want == NULL;
	return want && n == strlen(want) && !memcmp(a, want, n);
}

static void test_last_boxed(void)
{
	T_CHECK(boxed("so \\boxed{42}.", "42"));
	T_CHECK(boxed("\\boxed{1} or \\boxed{ 2 }", "2"));                       /* the last, trimmed */
	T_CHECK(boxed("\\boxed{\\frac{1}{2}}", "\\frac{1}{2}"));                /* nested braces */
	T_CHECK(boxed("\\boxed{\\{1, 2\\}}", "\\{1, 2\\}"));                    /* escaped braces do not count */
	T_CHECK(boxed("\\boxed{x \\\\}", "x \\\\"));                            /* an escaped backslash */
	T_CHECK(boxed("no answer", NULL));
	T_CHECK(boxed("\\boxed{1} \\boxed{2", NULL));                          /* the last one is not closed */
	T_CHECK(boxed("\\boxed{}", ""));
	T_CHECK(boxed("\\boxed{a}\\", "a"));
	T_CHECK(boxed("\\boxed{\\", NULL));                                    /* a backslash at the end */
}

static int convert(const convert_spec *sp, const char *row, const char **reason)
{
	json_doc d;
	json_doc_init(&d);
	strbuf out = STRBUF_INIT;
	char err[256];
	int rc = json_parse(&d, row, strlen(row)) ? -2 : convert_record(sp, &d, 0, &out, reason, err, sizeof err);
	strbuf_free(&out);
	json_doc_free(&d);
	return rc;
}

static void test_release_filters(void)
{
	convert_spec sp;
	const char *r;
	T_CHECK(convert_preset(&sp, "openmath") == 0);
	const char *short_row = "{\"problem\":\"p\",\"generated_solution\":\"\\\\boxed{4}\",\"expected_answer\":\"5\"}";
	T_EQ_INT(convert(&sp, short_row, &r), 0);   /* off by default */
	sp.min_answer_chars = 10;
	T_CHECK(convert(&sp, short_row, &r) == -1 && !strcmp(r, "short_solution"));
	/* characters, not bytes: 9 two-byte letters and the box are 18 characters */
	sp.min_answer_chars = 18;
	T_EQ_INT(convert(&sp, "{\"problem\":\"p\",\"generated_solution\":\"\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\\\\boxed{4}\"}", &r), 0);
	sp.min_answer_chars = 19;
	T_EQ_INT(convert(&sp, "{\"problem\":\"p\",\"generated_solution\":\"\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\\\\boxed{4}\"}", &r), -1);
	sp.min_answer_chars = 0;
	sp.answer_field = "expected_answer";
	T_CHECK(convert(&sp, short_row, &r) == -1 && !strcmp(r, "answer_mismatch"));
	T_EQ_INT(convert(&sp, "{\"problem\":\"p\",\"generated_solution\":\"so \\\\boxed{ 5 }\",\"expected_answer\":\" 5\"}", &r), 0);
	T_EQ_INT(convert(&sp, "{\"problem\":\"p\",\"generated_solution\":\"\\\\boxed{5}\",\"expected_answer\":5}", &r), 0);   /* a number: its JSON text */
	T_CHECK(convert(&sp, "{\"problem\":\"p\",\"generated_solution\":\"5\",\"expected_answer\":\"5\"}", &r) == -1 && !strcmp(r, "answer_mismatch"));
	T_CHECK(convert(&sp, "{\"problem\":\"p\",\"generated_solution\":\"\\\\boxed{5}\"}", &r) == -1 && !strcmp(r, "answer_mismatch"));
	/* a messages preset: the final assistant turn is checked */
	T_CHECK(convert_preset(&sp, "dolci") == 0);
	sp.answer_field = "ans";
	T_EQ_INT(convert(&sp, "{\"id\":\"x\",\"ans\":\"7\",\"messages\":[{\"role\":\"user\",\"content\":\"q\"},{\"role\":\"assistant\",\"content\":\"\\\\boxed{7}\"}]}", &r), 0);
	T_EQ_INT(convert(&sp, "{\"id\":\"x\",\"ans\":\"8\",\"messages\":[{\"role\":\"user\",\"content\":\"q\"},{\"role\":\"assistant\",\"content\":\"\\\\boxed{7}\"}]}", &r), -1);
}

int main(void)
{
	T_RUN(test_last_boxed);
	T_RUN(test_release_filters);
	return t_done();
}
