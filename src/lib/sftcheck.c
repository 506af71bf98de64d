/* sftcheck.c — see sftcheck.h. */
#include "sftcheck.h"

#include <stdio.h>
#include <string.h>

const char *sftcheck_record(const json_doc *d, int strict, char *detail, size_t n)
{
	uint32_t ms = json_get(d, 0, "messages");
	if (ms == JSON_NONE) { snprintf(detail, n, "no \"messages\" member"); return "no_messages"; }
	if (d->nodes[ms].type != JSON_ARRAY) { snprintf(detail, n, "\"messages\" is not a list"); return "messages_not_list"; }
	uint32_t cnt = d->nodes[ms].count;
	if (cnt == 0) { snprintf(detail, n, "\"messages\" is empty"); return "empty_messages"; }
	int prev = 0;   /* 0 none, 1 system, 2 user, 3 assistant */
	JSON_FOR_ELEMS(d, ms, m, k) {
		if (d->nodes[m].type != JSON_OBJECT) { snprintf(detail, n, "message %u is not an object", k + 1); return "message_not_object"; }
		uint32_t role = json_get(d, m, "role"), c = json_get(d, m, "content");
		int r;
		if (json_type_of(d, role) != JSON_STRING) { snprintf(detail, n, "message %u has no role string", k + 1); return "bad_role"; }
		if (json_str_eq(d, role, "system", 6)) r = 1;
		else if (json_str_eq(d, role, "user", 4)) r = 2;
		else if (json_str_eq(d, role, "assistant", 9)) r = 3;
		else {
			size_t l;
			const char *raw = json_str_raw(d, role, &l);
			snprintf(detail, n, "message %u has role \"%.*s\"", k + 1, (int)(l > 40 ? 40 : l), raw);
			return "bad_role";
		}
		if (r == 1 && k != 0) { snprintf(detail, n, "system message at position %u", k + 1); return "system_not_first"; }
		if (json_type_of(d, c) != JSON_STRING) { snprintf(detail, n, "message %u content is not a string", k + 1); return "content_not_string"; }
		if (json_str_blank(d, c)) { snprintf(detail, n, "message %u content is empty", k + 1); return "empty_content"; }
		if (strict) {
			int ok = (r == 1) || (r == 2 && (prev == 0 || prev == 1 || prev == 3)) || (r == 3 && prev == 2);
			if (!ok) { snprintf(detail, n, "message %u breaks user/assistant alternation", k + 1); return "not_alternating"; }
		}
		if (k + 1 == cnt && r != 3) { snprintf(detail, n, "the last message is not the assistant's"); return "last_not_assistant"; }
		prev = r;
	}
	return NULL;
}
