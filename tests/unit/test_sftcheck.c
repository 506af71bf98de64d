/* test_sftcheck — NeMo RL's openai_format rules, one case per reason and the
 * records that pass, in plain and strict mode. */
#include "sftcheck.h"
#include "t.h"

/* the reason for a record text ("" when it passes) */
static const char *check(const char *rec, int strict)
{
	static char why[64];
	json_doc d;
	json_doc_init(&d);
	char detail[200];
	if (json_parse(&d, rec, strlen(rec))) { json_doc_free(&d); return "(not json)"; }
	const char *r = sftcheck_record(&d, strict, detail, sizeof detail);
	snprintf(why, sizeof why, "%s", r ? r : "");
	if (r) T_CHECKF(detail[0] != 0, "%s: a reason without detail", r);
	json_doc_free(&d);
	return why;
}

#define U "{\"role\":\"user\",\"content\":\"q\"}"
#define A "{\"role\":\"assistant\",\"content\":\"a\"}"
#define S "{\"role\":\"system\",\"content\":\"s\"}"

static void test_reasons(void)
{
	T_EQ_STR(check("{\"messages\":[" U "," A "]}", 0), "");
	T_EQ_STR(check("{\"messages\":[" S "," U "," A "]}", 0), "");
	T_EQ_STR(check("{\"id\":1}", 0), "no_messages");
	T_EQ_STR(check("{\"messages\":{}}", 0), "messages_not_list");
	T_EQ_STR(check("{\"messages\":[]}", 0), "empty_messages");
	T_EQ_STR(check("{\"messages\":[1]}", 0), "message_not_object");
	T_EQ_STR(check("{\"messages\":[{\"content\":\"q\"}," A "]}", 0), "bad_role");
	T_EQ_STR(check("{\"messages\":[{\"role\":\"tool\",\"content\":\"q\"}," A "]}", 0), "bad_role");
	T_EQ_STR(check("{\"messages\":[" U "," S "," A "]}", 0), "system_not_first");
	T_EQ_STR(check("{\"messages\":[{\"role\":\"user\",\"content\":[]}," A "]}", 0), "content_not_string");
	T_EQ_STR(check("{\"messages\":[{\"role\":\"user\",\"content\":\" \\n\"}," A "]}", 0), "empty_content");
	T_EQ_STR(check("{\"messages\":[" U "]}", 0), "last_not_assistant");
	T_EQ_STR(check("{\"messages\":[" U "," A "," U "]}", 0), "last_not_assistant");
}

static void test_strict(void)
{
	/* two user turns in a row pass the loader, not the strict check */
	T_EQ_STR(check("{\"messages\":[" U "," U "," A "]}", 0), "");
	T_EQ_STR(check("{\"messages\":[" U "," U "," A "]}", 1), "not_alternating");
	T_EQ_STR(check("{\"messages\":[" A "," A "]}", 1), "not_alternating");
	T_EQ_STR(check("{\"messages\":[" S "," U "," A "," U "," A "]}", 1), "");
}

int main(void)
{
	T_RUN(test_reasons);
	T_RUN(test_strict);
	return t_done();
}
