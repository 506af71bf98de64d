/* jqprog.c — see jqprog.h. */
#include "jqprog.h"
#include "util.h"

#include <limits.h>
#include <string.h>

/* libjq calls this for each message; keep the first, its first line only */
static void keep_first(void *data, jv msg)
{
	strbuf *b = data;
	if (!b->len && jv_get_kind(msg) == JV_KIND_STRING) {
		const char *s = jv_string_value(msg);
		if (!strncmp(s, "jq: error: ", 11)) s += 11;
		size_t n = strcspn(s, "\n");
		if (n && s[n - 1] == ':') n--;   /* it introduced the quoted source line */
		strbuf_put(b, s, n);
	}
	jv_free(msg);
}

jq_state *jqprog_compile(const char *prog, char *err, size_t errlen)
{
	jq_state *jq = jq_init();
	if (!jq) {
		util_err_set(err, errlen, "libjq could not start");
		return NULL;
	}
	strbuf msg = STRBUF_INIT;
	jq_set_error_cb(jq, keep_first, &msg);
	int ok = jq_compile(jq, prog);
	jq_set_error_cb(jq, NULL, NULL);
	if (!ok) {
		util_err_set(err, errlen, "%s", msg.len ? msg.p : "it does not compile");
		jq_teardown(&jq);
	}
	strbuf_free(&msg);
	return jq;
}

int jqprog_parse(const char *line, size_t len, jv *out, char *err, size_t errlen)
{
	if (len > INT_MAX) return util_err_set(err, errlen, "libjq takes records of at most %d bytes", INT_MAX);
	jv v = jv_parse_sized(line, (int)len);
	if (jv_is_valid(v)) { *out = v; return 0; }
	jv msg = jv_invalid_get_msg(v);
	const char *m = jv_get_kind(msg) == JV_KIND_STRING ? jv_string_value(msg) : "invalid JSON";
	/* its message goes on to quote the whole record */
	const char *q = strstr(m, " (while parsing");
	util_err_set(err, errlen, "libjq cannot read the record: %.*s", (int)(q ? (size_t)(q - m) : strlen(m)), m);
	jv_free(msg);
	return -1;
}
