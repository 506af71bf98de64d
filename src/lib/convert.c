/* convert.c — see convert.h. */
#include "convert.h"
#include "jqprog.h"

#include <stdio.h>
#include <string.h>

const char *const convert_preset_names[] = {"openmath", "magicoder", "dolci", "codeforces", NULL};

int convert_preset(convert_spec *s, const char *name)
{
	memset(s, 0, sizeof *s);
	if (!strcmp(name, "openmath")) {
		s->source = "nvidia/OpenMathInstruct-2";
		s->user_field = "problem";
		s->assistant_field = "generated_solution";
	} else if (!strcmp(name, "magicoder")) {
		s->source = "ise-uiuc/Magicoder-Evol-Instruct-110K";
		s->user_field = "instruction";
		s->assistant_field = "response";
	} else if (!strcmp(name, "dolci")) {
		s->source = "allenai/Dolci-Instruct-SFT";
		s->messages_field = "messages";
		s->id_field = "id";
		s->keep[s->nkeep++] = "domain";
		s->keep[s->nkeep++] = "source_dataset";
	} else if (!strcmp(name, "codeforces")) {
		s->source = "open-r1/codeforces-cots/solutions";
		s->messages_field = "messages";
		s->id_field = "id";           /* the problem ("1931/D"), which has up to 4 traces */
		s->id_with_row = 1;
		s->finish_field = "finish_reason";   /* "length": the trace was cut off */
		s->finish_value = "stop";
	} else {
		return -1;
	}
	return 0;
}

static int fail(const char **reason, const char *r, char *err, size_t errlen, const char *fmt, const char *arg)
{
	*reason = r;
	snprintf(err, errlen, fmt, arg ? arg : "");
	return -1;
}

static int nonempty_value(const json_doc *d, uint32_t v)
{
	if (v == JSON_NONE) return 0;
	switch (d->nodes[v].type) {
	case JSON_NULL: case JSON_FALSE: return 0;
	case JSON_STRING: return d->nodes[v].len > 0;
	case JSON_ARRAY: case JSON_OBJECT: return d->nodes[v].count > 0;
	default: return 1;
	}
}

/* A message that drop-tool-use or drop-multimodal must see, exempt from the
 * content checks: tool roles, tool members, content parts. */
static int special_message(const json_doc *d, uint32_t m)
{
	uint32_t role = json_get(d, m, "role");
	if (json_type_of(d, role) == JSON_STRING &&
	    (json_str_eq(d, role, "tool", 4) || json_str_eq(d, role, "environment", 11) ||
	     json_str_eq(d, role, "function", 8) || json_str_eq(d, role, "ipython", 7)))
		return 1;
	static const char *const keys[] = {"function_calls", "functions", "tool_calls", "function_call", NULL};
	for (int k = 0; keys[k]; k++)
		if (nonempty_value(d, json_get(d, m, keys[k]))) return 1;
	uint32_t c = json_get(d, m, "content");
	return json_type_of(d, c) == JSON_ARRAY;
}

int convert_strip_think(const char *s, size_t n, strbuf *out)
{
	size_t i = 0;
	int stripped = 0;
	while (i < n) {
		const char *o = memmem(s + i, n - i, "<think>", 7);
		if (!o) break;
		const char *c = memmem(o + 7, (size_t)(s + n - (o + 7)), "</think>", 8);
		if (!c) return -1;
		strbuf_put(out, s + i, (size_t)(o - (s + i)));
		i = (size_t)(c + 8 - s);
		while (i < n && (s[i] == '\n' || s[i] == ' ' || s[i] == '\t' || s[i] == '\r')) i++;
		stripped = 1;
	}
	strbuf_put(out, s + i, n - i);
	return stripped;
}

static int ascii_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }

static void trim(const char **s, size_t *n)
{
	while (*n && ascii_space(**s)) { (*s)++; (*n)--; }
	while (*n && ascii_space((*s)[*n - 1])) (*n)--;
}

int convert_last_boxed(const char *s, size_t n, const char **ans, size_t *alen)
{
	const char *last = NULL;
	for (const char *p = s; (p = memmem(p, (size_t)(s + n - p), "\\boxed{", 7)); p += 7) last = p;
	if (!last) return -1;
	size_t i = (size_t)(last - s) + 7, st = i;
	int depth = 1;
	for (; i < n; i++) {
		if (s[i] == '\\') { i++; continue; }
		if (s[i] == '{') depth++;
		else if (s[i] == '}' && !--depth) break;
	}
	if (depth || i >= n) return -1;
	*ans = s + st;
	*alen = i - st;
	trim(ans, alen);
	return 0;
}

/* The release filters (convert_spec.min_answer_chars, answer_field) on the
 * final assistant turn, content node a of the row d. */
static int release_filters(const convert_spec *spec, const json_doc *d, uint32_t a, strbuf *tmp,
                           const char **reason, char *err, size_t errlen)
{
	if (!spec->min_answer_chars && !spec->answer_field) return 0;
	if (json_type_of(d, a) != JSON_STRING) return 0;
	strbuf_reset(tmp);
	json_str_append(d, a, tmp);
	const char *t = tmp->p ? tmp->p : "";
	size_t tn = tmp->len;
	if (spec->min_answer_chars && utf8_count(t, tn) < spec->min_answer_chars) {
		*reason = "short_solution";
		snprintf(err, errlen, "the solution has %zu characters, fewer than %zu", utf8_count(t, tn), spec->min_answer_chars);
		return -1;
	}
	if (!spec->answer_field) return 0;
	uint32_t e = json_get(d, 0, spec->answer_field);
	strbuf want = STRBUF_INIT;
	if (json_type_of(d, e) == JSON_STRING) json_str_append(d, e, &want);
	else if (e != JSON_NONE && json_type_of(d, e) == JSON_NUMBER) { size_t l; const char *r = json_raw(d, e, &l); strbuf_put(&want, r, l); }
	else {
		strbuf_free(&want);
		return fail(reason, "answer_mismatch", err, errlen, "no string or number field '%s' to compare with", spec->answer_field);
	}
	const char *w = want.p ? want.p : "", *got;
	size_t wn = want.len, gn;
	trim(&w, &wn);
	int rc = 0;
	if (convert_last_boxed(t, tn, &got, &gn)) rc = fail(reason, "answer_mismatch", err, errlen, "the solution has no closed \\boxed{}%s", NULL);
	else if (gn != wn || memcmp(got, w, wn)) {
		*reason = "answer_mismatch";
		snprintf(err, errlen, "\\boxed{%.*s} is not %s '%.*s'", (int)(gn < 60 ? gn : 60), got, spec->answer_field, (int)(wn < 60 ? wn : 60), w);
		rc = -1;
	}
	strbuf_free(&want);
	return rc;
}

/* Append one message {"role":..,"content":..[, tool members]} from message node m. */
static int put_message(const convert_spec *spec, const json_doc *d, uint32_t m, int is_last, strbuf *out,
                       const char **reason, char *err, size_t errlen, strbuf *tmp)
{
	if (json_type_of(d, m) != JSON_OBJECT) return fail(reason, "bad_message", err, errlen, "a message is not an object%s", NULL);
	uint32_t role = json_get(d, m, "role");
	uint32_t content = json_get(d, m, "content");
	if (json_type_of(d, role) != JSON_STRING || d->nodes[role].len == 0)
		return fail(reason, "bad_role", err, errlen, "a message has no role string%s", NULL);
	int special = special_message(d, m);
	if (!special) {
		if (content == JSON_NONE) return fail(reason, "missing_content", err, errlen, "a message has no content%s", NULL);
		if (json_type_of(d, content) != JSON_STRING)
			return fail(reason, "non_string_content", err, errlen, "a message's content is not a string%s", NULL);
		if (json_str_blank(d, content)) return fail(reason, "empty_content", err, errlen, "a message's content is empty%s", NULL);
	}
	strbuf_puts(out, "{\"role\":");
	json_write_raw(out, d, role);
	strbuf_puts(out, ",\"content\":");
	if (content == JSON_NONE) {
		strbuf_puts(out, "null");
	} else if (spec->strip_think && json_type_of(d, content) == JSON_STRING &&
	           json_str_eq(d, role, "assistant", 9)) {
		strbuf_reset(tmp);
		json_str_append(d, content, tmp);
		size_t start = tmp->len;
		int rc = convert_strip_think(tmp->p, start, tmp);
		if (rc < 0) return fail(reason, "unclosed_think", err, errlen, "an assistant turn has <think> without </think>%s", NULL);
		const char *txt = tmp->p + start;
		size_t tl = tmp->len - start;
		size_t k = 0;
		while (k < tl && (txt[k] == ' ' || txt[k] == '\n' || txt[k] == '\t' || txt[k] == '\r')) k++;
		if (k == tl && !special) return fail(reason, "empty_content", err, errlen, "nothing is left of an assistant turn after --strip-think%s", NULL);
		json_write_str(out, txt, tl);
	} else {
		json_write_raw(out, d, content);
	}
	/* tool members stay visible for drop-tool-use; other members are not part of the contract */
	static const char *const keep[] = {"function_calls", "functions", "tool_calls", "function_call", "tool_call_id", "name", NULL};
	for (int k = 0; keep[k]; k++) {
		uint32_t v = json_get(d, m, keep[k]);
		if (v != JSON_NONE && d->nodes[v].type != JSON_NULL) {
			strbuf_printf(out, ",\"%s\":", keep[k]);
			json_write_compact(out, d, v);
		}
	}
	strbuf_putc(out, '}');
	(void)is_last;
	return 0;
}

static void put_id(const convert_spec *spec, const json_doc *d, uint64_t rowno, strbuf *out)
{
	uint32_t v = spec->id_field ? json_get(d, 0, spec->id_field) : JSON_NONE;
	if (v != JSON_NONE && d->nodes[v].type == JSON_STRING && d->nodes[v].len) {
		if (!spec->id_with_row) json_write_raw(out, d, v);
		else {
			strbuf tmp = STRBUF_INIT;
			json_str_append(d, v, &tmp);
			strbuf_printf(&tmp, "/%llu", (unsigned long long)rowno);
			json_write_str(out, tmp.p, tmp.len);
			strbuf_free(&tmp);
		}
	} else if (v != JSON_NONE && d->nodes[v].type == JSON_NUMBER) {
		strbuf_putc(out, '"');
		json_write_raw(out, d, v);
		if (spec->id_with_row) strbuf_printf(out, "/%llu", (unsigned long long)rowno);
		strbuf_putc(out, '"');
	} else {
		char num[32];
		snprintf(num, sizeof num, "/%llu", (unsigned long long)rowno);
		strbuf tmp = STRBUF_INIT;
		strbuf_puts(&tmp, spec->source ? spec->source : "row");
		strbuf_puts(&tmp, num);
		json_write_str(out, tmp.p, tmp.len);
		strbuf_free(&tmp);
	}
}

int convert_record(const convert_spec *spec, const json_doc *d, uint64_t rowno, strbuf *out,
                const char **reason, char *err, size_t errlen)
{
	size_t mark = out->len;
	strbuf tmp = STRBUF_INIT;
	int rc = -1;
	*reason = NULL;
	if (spec->finish_field) {
		uint32_t f = json_get(d, 0, spec->finish_field);
		if (f != JSON_NONE && d->nodes[f].type == JSON_STRING && !json_str_eq(d, f, spec->finish_value, strlen(spec->finish_value))) {
			strbuf_reset(&tmp);
			json_str_append(d, f, &tmp);
			*reason = "truncated";
			snprintf(err, errlen, "%s is '%.64s', not '%s'", spec->finish_field, tmp.p, spec->finish_value);
			goto done;
		}
	}
	strbuf_puts(out, "{\"id\":");
	put_id(spec, d, rowno, out);
	strbuf_puts(out, ",\"source\":");
	json_write_str(out, spec->source ? spec->source : "", spec->source ? strlen(spec->source) : 0);
	strbuf_puts(out, ",\"messages\":[");
	if (spec->messages_field) {
		uint32_t ms = json_get(d, 0, spec->messages_field);
		if (ms == JSON_NONE) { fail(reason, "missing_field", err, errlen, "no field '%s'", spec->messages_field); goto done; }
		if (d->nodes[ms].type != JSON_ARRAY) { fail(reason, "bad_messages", err, errlen, "field '%s' is not a list", spec->messages_field); goto done; }
		if (d->nodes[ms].count == 0) { fail(reason, "empty_messages", err, errlen, "field '%s' is an empty list", spec->messages_field); goto done; }
		uint32_t last = JSON_NONE;
		JSON_FOR_ELEMS(d, ms, m, k) {
			if (k) strbuf_putc(out, ',');
			if (put_message(spec, d, m, k + 1 == d->nodes[ms].count, out, reason, err, errlen, &tmp)) goto done;
			last = m;
		}
		uint32_t lr = json_get(d, last, "role");
		if (!json_str_eq(d, lr, "assistant", 9) && !special_message(d, last)) {
			fail(reason, "no_final_assistant", err, errlen, "the last message is not the assistant's%s", NULL);
			goto done;
		}
		if (release_filters(spec, d, json_get(d, last, "content"), &tmp, reason, err, errlen)) goto done;
	} else {
		struct { const char *field, *role; } turns[3] = {
			{spec->system_field, "system"}, {spec->user_field, "user"}, {spec->assistant_field, "assistant"}};
		int n = 0;
		if (spec->system_text && !spec->system_field) {
			strbuf_puts(out, "{\"role\":\"system\",\"content\":");
			json_write_str(out, spec->system_text, strlen(spec->system_text));
			strbuf_putc(out, '}');
			n++;
		}
		for (int t = 0; t < 3; t++) {
			if (!turns[t].field) {
				if (t > 0) { fail(reason, "bad_spec", err, errlen, "no %s field given", turns[t].role); goto done; }
				continue;
			}
			uint32_t v = json_get(d, 0, turns[t].field);
			if (v == JSON_NONE) { fail(reason, "missing_field", err, errlen, "no field '%s'", turns[t].field); goto done; }
			if (d->nodes[v].type == JSON_NULL) { fail(reason, "null_content", err, errlen, "field '%s' is null", turns[t].field); goto done; }
			if (d->nodes[v].type != JSON_STRING) { fail(reason, "non_string_content", err, errlen, "field '%s' is not a string", turns[t].field); goto done; }
			if (json_str_blank(d, v)) {
				if (t == 0) continue;   /* an empty system prompt is simply absent */
				fail(reason, "empty_content", err, errlen, "field '%s' is empty", turns[t].field);
				goto done;
			}
			if (t == 2 && release_filters(spec, d, v, &tmp, reason, err, errlen)) goto done;
			if (n++) strbuf_putc(out, ',');
			strbuf_printf(out, "{\"role\":\"%s\",\"content\":", turns[t].role);
			if (t == 2 && spec->strip_think) {
				strbuf_reset(&tmp);
				json_str_append(d, v, &tmp);
				size_t start = tmp.len;
				if (convert_strip_think(tmp.p, start, &tmp) < 0) { fail(reason, "unclosed_think", err, errlen, "<think> without </think>%s", NULL); goto done; }
				json_write_str(out, tmp.p + start, tmp.len - start);
			} else {
				json_write_raw(out, d, v);
			}
			strbuf_putc(out, '}');
		}
	}
	strbuf_putc(out, ']');
	for (int k = 0; k < spec->nkeep; k++) {
		uint32_t v = json_get(d, 0, spec->keep[k]);
		if (v == JSON_NONE) continue;
		strbuf_putc(out, ',');
		json_write_str(out, spec->keep[k], strlen(spec->keep[k]));
		strbuf_putc(out, ':');
		json_write_compact(out, d, v);
	}
	strbuf_putc(out, '}');
	rc = 0;
done:
	if (rc) { out->len = mark; if (out->p) out->p[mark] = 0; }
	strbuf_free(&tmp);
	return rc;
}

int convert_check_record(const json_doc *d, const char **reason, char *err, size_t errlen)
{
	*reason = NULL;
	if (d->nodes[0].type != JSON_OBJECT) return fail(reason, "not_a_record", err, errlen, "output is not an object%s", NULL);
	uint32_t id = json_get(d, 0, "id"), src = json_get(d, 0, "source"), ms = json_get(d, 0, "messages");
	if (json_type_of(d, id) != JSON_STRING) return fail(reason, "bad_record", err, errlen, "output has no string \"id\"%s", NULL);
	if (json_type_of(d, src) != JSON_STRING) return fail(reason, "bad_record", err, errlen, "output has no string \"source\"%s", NULL);
	if (json_type_of(d, ms) != JSON_ARRAY) return fail(reason, "bad_messages", err, errlen, "output has no \"messages\" list%s", NULL);
	if (d->nodes[ms].count == 0) return fail(reason, "empty_messages", err, errlen, "output has an empty \"messages\" list%s", NULL);
	uint32_t last = JSON_NONE;
	JSON_FOR_ELEMS(d, ms, m, k) {
		(void)k;
		if (json_type_of(d, m) != JSON_OBJECT) return fail(reason, "bad_message", err, errlen, "a message is not an object%s", NULL);
		uint32_t role = json_get(d, m, "role"), c = json_get(d, m, "content");
		if (json_type_of(d, role) != JSON_STRING) return fail(reason, "bad_role", err, errlen, "a message has no role string%s", NULL);
		if (!special_message(d, m)) {
			if (json_type_of(d, c) != JSON_STRING) return fail(reason, "non_string_content", err, errlen, "a message's content is not a string%s", NULL);
			if (json_str_blank(d, c)) return fail(reason, "empty_content", err, errlen, "a message's content is empty%s", NULL);
		}
		last = m;
	}
	if (!json_str_eq(d, json_get(d, last, "role"), "assistant", 9) && !special_message(d, last))
		return fail(reason, "no_final_assistant", err, errlen, "the last message is not the assistant's%s", NULL);
	return 0;
}

/* "id" and "source" added to the program's output txt when it leaves them out */
static void fill_id_source(const convert_spec *spec, const json_doc *od, const char *txt, size_t tl, uint64_t rowno, strbuf *out)
{
	strbuf f = STRBUF_INIT;
	if (json_get(od, 0, "id") == JSON_NONE) {
		char idb[64];
		snprintf(idb, sizeof idb, "/%llu", (unsigned long long)rowno);
		strbuf idv = STRBUF_INIT;
		strbuf_puts(&idv, spec->source);
		strbuf_puts(&idv, idb);
		strbuf_puts(&f, "\"id\":");
		json_write_str(&f, idv.p, idv.len);
		strbuf_free(&idv);
	}
	if (json_get(od, 0, "source") == JSON_NONE) {
		if (f.len) strbuf_putc(&f, ',');
		strbuf_puts(&f, "\"source\":");
		json_write_str(&f, spec->source, strlen(spec->source));
	}
	json_append_members(out, txt, tl, f.p, f.len);
	strbuf_free(&f);
}

int convert_jq_record(jq_state *jq, const convert_spec *spec, const char *line, size_t len, uint64_t rowno,
		   json_doc *od, strbuf *out, convert_outcome_fn fn, void *ctx)
{
	char err[512];
	const char *reason;
	jv in;
	if (jqprog_parse(line, len, &in, err, sizeof err)) { fn(ctx, NULL, 0, "jq_error", err); return 1; }
	jq_start(jq, in, 0);
	jv r;
	int n_out = 0;
	while (jv_is_valid(r = jq_next(jq))) {
		jv s = jv_dump_string(r, 0);
		const char *txt = jv_string_value(s);
		size_t tl = (size_t)jv_string_length_bytes(jv_copy(s));
		n_out++;
		if (json_parse(od, txt, tl)) {
			fn(ctx, NULL, 0, "jq_error", "the program's output is not valid JSON");
		} else {
			strbuf_reset(out);
			if (od->nodes[0].type == JSON_OBJECT && (json_get(od, 0, "id") == JSON_NONE || json_get(od, 0, "source") == JSON_NONE)) {
				fill_id_source(spec, od, txt, tl, rowno, out);
				json_parse(od, out->p, out->len);
			} else {
				strbuf_put(out, txt, tl);
			}
			if (convert_check_record(od, &reason, err, sizeof err)) fn(ctx, NULL, 0, reason, err);
			else fn(ctx, out->p, out->len, NULL, NULL);
		}
		jv_free(s);
	}
	if (jv_invalid_has_msg(jv_copy(r))) {
		jv msg = jv_invalid_get_msg(r);
		const char *ms = jv_get_kind(msg) == JV_KIND_STRING ? jv_string_value(msg) : "error";
		fn(ctx, NULL, 0, "jq_error", ms);
		jv_free(msg);
		n_out++;
	} else {
		jv_free(r);
		if (n_out == 0) { fn(ctx, NULL, 0, "jq_empty", "the program produced no output"); n_out = 1; }
	}
	return n_out;
}
