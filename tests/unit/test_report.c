/* test_report — sft-report's engine without the tool: counting records per
 * source and set, the token histogram's bins, stage summaries (and a bad
 * one refused), HTML escaping, and a rendered page that shows them and is
 * the same for the same seed. */
#include "report.h"
#include "t.h"

static void add(report *r, int set, const char *line)
{
	json_doc d;
	json_doc_init(&d);
	T_CHECK(json_parse(&d, line, strlen(line)) == 0);
	report_add(r, set, &d, line, strlen(line));
	json_doc_free(&d);
}

static void fill(report *r)
{
	report_init(r, 42);
	for (int i = 0; i < 10; i++) {
		char line[256];
		snprintf(line, sizeof line, "{\"id\":\"%d\",\"source\":\"%s\",\"n_tokens\":%d,\"messages\":["
			 "{\"role\":\"user\",\"content\":\"q\"},{\"role\":\"assistant\",\"content\":\"a<b>\"}]}",
			 i, i < 7 ? "alpha" : "beta", 10 + 40 * i);
		add(r, i == 9, line);
	}
}

static void test_counts(void)
{
	report r;
	fill(&r);
	T_EQ_INT(r.total, 10);
	T_EQ_INT(r.nsrc, 2);
	int a = strcmp(r.src[0].name, "alpha") ? 1 : 0;
	T_EQ_INT(r.src[a].n[0], 7);
	T_EQ_INT(r.src[1 - a].n[0], 2);
	T_EQ_INT(r.src[1 - a].n[1], 1);
	T_EQ_INT(r.src[a].turns[2], 7);
	T_EQ_INT(r.src[a].max_tokens, 10 + 40 * 6);
	uint64_t binned = 0;
	for (int k = 0; k <= REPORT_FINE; k++) binned += r.src[a].tok_bins[k];
	T_EQ_INT(binned, 7);
	T_EQ_INT(r.src[a].tok_bins[10 / 32], 1);   /* 10 tokens: the first 32-token bin */
	report_free(&r);
}

static void test_summaries_and_page(void)
{
	report r;
	fill(&r);
	char err[256];
	const char *sum = "{\"tool\":\"drop-identity\",\"read\":12,\"kept\":10,\"dropped\":2,\"reasons\":{\"foreign_identity\":2}}";
	T_EQ_INT(report_add_summary(&r, "dolci.5-drop-identity", sum, strlen(sum), err, sizeof err), 0);
	T_CHECK(report_add_summary(&r, "bad", "[1]", 3, err, sizeof err) != 0 && err[0]);
	strbuf page = STRBUF_INIT, again = STRBUF_INIT;
	const char *in[] = { "train.jsonl" };
	report_render(&r, in, 1, "test", &page);
	T_CHECK(page.len > 0 && strstr(page.p, "dolci.5-drop-identity") && strstr(page.p, "foreign_identity"));
	T_CHECK(strstr(page.p, "alpha") && strstr(page.p, "beta"));
	T_CHECK(strstr(page.p, "a<b>") == NULL);   /* the examples are escaped */
	report_free(&r);
	fill(&r);
	T_EQ_INT(report_add_summary(&r, "dolci.5-drop-identity", sum, strlen(sum), err, sizeof err), 0);
	report_render(&r, in, 1, "test", &again);
	T_CHECK(page.len == again.len && !memcmp(page.p, again.p, page.len));   /* same seed, same page */
	report_free(&r);
	strbuf_free(&page);
	strbuf_free(&again);
}

static void test_escape(void)
{
	strbuf b = STRBUF_INIT;
	report_html_escape(&b, "<a href=\"x\">&'</a>", 18);
	T_EQ_STR(b.p, "&lt;a href=&quot;x&quot;&gt;&amp;&#39;&lt;/a&gt;");
	strbuf_free(&b);
}

int main(void)
{
	T_RUN(test_counts);
	T_RUN(test_summaries_and_page);
	T_RUN(test_escape);
	return t_done();
}
