/* test_json.c — the JSON reader and writer: JSONTestSuite conformance, the
 * documented choices for implementation-defined inputs, round trips checked
 * against libjq, and the writer's escaping. */
#include "json.h"
#include "t.h"

#include <dirent.h>
#include <jq.h>

static int parses(const char *s, size_t n)
{
	json_doc d;
	json_doc_init(&d);
	int rc = json_parse(&d, s, n);
	json_doc_free(&d);
	return rc == 0;
}

/* Our choices for JSONTestSuite's i_ files (documented in json.h):
 * huge numbers and 500-deep nesting are accepted; invalid UTF-8, lone
 * surrogates, UTF-16 and a BOM are rejected. */
static int i_expected_accept(const char *name)
{
	return !strncmp(name, "i_number_", 9) || !strcmp(name, "i_structure_500_nested_arrays.json");
}

static void test_conformance(void)
{
	char dir[512];
	snprintf(dir, sizeof dir, "%s/conformance/json/test_parsing", t_shared());
	DIR *dh = opendir(dir);
	if (!dh) T_SKIP("%s absent", dir);
	struct dirent *de;
	int ny = 0, nn = 0, ni = 0;
	while ((de = readdir(dh))) {
		const char *nm = de->d_name;
		if (nm[0] == '.' || !strstr(nm, ".json")) continue;
		char path[1024];
		snprintf(path, sizeof path, "%s/%s", dir, nm);
		size_t len;
		char *s = t_read_file(path, &len);
		T_CHECK(s != NULL);
		if (!s) continue;
		int ok = parses(s, len);
		if (nm[0] == 'y') { ny++; T_CHECKF(ok, "%s must be accepted", nm); }
		else if (nm[0] == 'n') { nn++; T_CHECKF(!ok, "%s must be rejected", nm); }
		else if (nm[0] == 'i') { ni++; T_CHECKF(ok == i_expected_accept(nm), "%s: our documented choice is to %s it", nm, i_expected_accept(nm) ? "accept" : "reject"); }
		free(s);
	}
	closedir(dh);
	T_EQ_INT(ny, 95);
	T_EQ_INT(nn, 188);
	T_EQ_INT(ni, 35);
}

/* Re-encode with json_write_compact and check libjq sees the same value. */
static int roundtrip_equal_jq(const char *s, size_t len, int *jq_rejected)
{
	json_doc d;
	json_doc_init(&d);
	if (json_parse(&d, s, len)) { json_doc_free(&d); return 0; }
	strbuf b = STRBUF_INIT;
	json_write_compact(&b, &d, 0);
	jv a = jv_parse_sized(s, (int)len);
	jv c = jv_parse_sized(b.p, (int)b.len);
	int eq = 0;
	*jq_rejected = 0;
	if (!jv_is_valid(a)) { *jq_rejected = 1; eq = 1; jv_free(a); jv_free(c); }
	else if (!jv_is_valid(c)) { jv_free(a); jv_free(c); }
	else eq = jv_equal(a, c);
	strbuf_free(&b);
	json_doc_free(&d);
	return eq;
}

static void test_roundtrip_conformance(void)
{
	char dir[512];
	snprintf(dir, sizeof dir, "%s/conformance/json/test_parsing", t_shared());
	DIR *dh = opendir(dir);
	if (!dh) T_SKIP("%s absent", dir);
	struct dirent *de;
	int n = 0;
	while ((de = readdir(dh))) {
		if (de->d_name[0] != 'y') continue;
		char path[1024];
		snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
		size_t len = 0;
		char *s = t_read_file(path, &len);
		if (!s) continue;
		int jqr;
		T_CHECKF(roundtrip_equal_jq(s, len, &jqr), "%s", de->d_name);
		n += !jqr;
		free(s);
	}
	closedir(dh);
	T_CHECKF(n > 80, "only %d files compared with libjq", n);
}

static void test_roundtrip_corpus(void)
{
	char path[512];
	snprintf(path, sizeof path, "%s/tokenizers/corpus.jsonl", t_shared());
	size_t len = 0;
	char *s = t_read_file(path, &len);
	if (!s) T_SKIP("%s absent", path);
	int lines = 0;
	for (char *p = s, *e; p < s + len; p = e + 1) {
		e = memchr(p, '\n', (size_t)(s + len - p));
		if (!e) e = s + len;
		int jqr;
		T_CHECKF(roundtrip_equal_jq(p, (size_t)(e - p), &jqr), "corpus line %d", lines + 1);
		lines++;
	}
	T_EQ_INT(lines, 3067);
	free(s);
}

static void test_navigation(void)
{
	const char *s = " {\"id\":\"x\\u0041\",\"n\":9223372036854775807,\"messages\":[{\"role\":\"user\",\"content\":\"hi\\n\"},"
	                "{\"role\":\"assistant\",\"content\":\"\"}],\"m\\u0065ta\":{},\"big\":1.0e400,\"id\":\"last\"} ";
	json_doc d;
	json_doc_init(&d);
	T_EQ_INT(json_parse(&d, s, strlen(s)), 0);
	T_EQ_INT(json_type_of(&d, 0), JSON_OBJECT);
	T_EQ_INT(d.nodes[0].count, 6);
	uint32_t id = json_get(&d, 0, "id");
	T_CHECK(json_str_eq(&d, id, "last", 4));     /* duplicate keys: the last wins */
	uint32_t n = json_get(&d, 0, "n");
	int64_t v = 0;
	T_EQ_INT(json_num_i64(&d, n, &v), 0);
	T_CHECK(v == INT64_MAX);
	size_t rl;
	const char *r = json_raw(&d, n, &rl);
	T_CHECK(rl == 19 && !memcmp(r, "9223372036854775807", 19));
	uint32_t big = json_get(&d, 0, "big");
	T_CHECK(json_num_i64(&d, big, &v) == -1);
	r = json_raw(&d, big, &rl);
	T_CHECK(rl == 7 && !memcmp(r, "1.0e400", 7));   /* kept as written */
	T_CHECK(json_get(&d, 0, "meta") != JSON_NONE);  /* escaped key matched after decoding */
	uint32_t msgs = json_get(&d, 0, "messages");
	T_EQ_INT(json_type_of(&d, msgs), JSON_ARRAY);
	T_EQ_INT(d.nodes[msgs].count, 2);
	int k = 0;
	JSON_FOR_ELEMS(&d, msgs, m, i) {
		uint32_t c = json_get(&d, m, "content");
		char buf[16];
		size_t cl = json_str_decode(&d, c, buf);
		if (i == 0) T_CHECK(cl == 3 && !memcmp(buf, "hi\n", 3));
		else T_CHECK(cl == 0);
		k++;
	}
	T_EQ_INT(k, 2);
	T_CHECK(json_index(&d, msgs, 1) != JSON_NONE);
	T_CHECK(json_index(&d, msgs, 2) == JSON_NONE);
	T_CHECK(json_get(&d, msgs, "x") == JSON_NONE);  /* not an object */
	T_CHECK(json_get(&d, 0, "absent") == JSON_NONE);
	json_doc_free(&d);
}

static void test_errors(void)
{
	json_doc d;
	json_doc_init(&d);
	T_EQ_INT(json_parse(&d, "{\"a\":1,}", 8), -1);
	T_CHECK(strstr(d.err, "expected a string key") != NULL);
	T_EQ_INT(d.err_off, 7);
	T_EQ_INT(json_parse(&d, "[1 2]", 5), -1);
	T_CHECK(strstr(d.err, "expected ',' or ']'") != NULL);
	T_EQ_INT(json_parse(&d, "\"a\xff\"", 4), -1);
	T_CHECK(strstr(d.err, "UTF-8") != NULL);
	T_EQ_INT(json_parse(&d, "\"\\ud800\"", 8), -1);
	T_CHECK(strstr(d.err, "surrogate") != NULL);
	T_EQ_INT(json_parse(&d, "", 0), -1);
	T_EQ_INT(json_parse(&d, "{} x", 4), -1);
	/* a long string with an error past the SIMD blocks */
	char big[100];
	memset(big, 'a', sizeof big);
	big[0] = '"'; big[90] = 0x01; big[99] = '"';
	T_EQ_INT(json_parse(&d, big, sizeof big), -1);
	T_EQ_INT(d.err_off, 90);
	/* deep nesting is bounded, not a stack overflow */
	size_t deep = 20000;
	char *p = malloc(deep * 2);
	memset(p, '[', deep);
	memset(p + deep, ']', deep);
	T_EQ_INT(json_parse(&d, p, deep * 2), -1);
	T_CHECK(strstr(d.err, "too deep") != NULL);
	d.max_depth = 30000;
	T_EQ_INT(json_parse(&d, p, deep * 2), 0);
	free(p);
	json_doc_free(&d);
}

static void test_writer(void)
{
	strbuf b = STRBUF_INIT;
	const char in[] = "a\"b\\c\n\t\x01\x1f\x7f é 😀 \b\f\r/";
	json_write_str(&b, in, sizeof in - 1);
	T_EQ_STR(b.p, "\"a\\\"b\\\\c\\n\\t\\u0001\\u001f\x7f é 😀 \\b\\f\\r/\"");
	/* round trip through the reader */
	json_doc d;
	json_doc_init(&d);
	T_EQ_INT(json_parse(&d, b.p, b.len), 0);
	char out[64];
	size_t n = json_str_decode(&d, 0, out);
	T_CHECK(n == sizeof in - 1 && !memcmp(out, in, n));
	/* long strings exercise the block path: escapes at every position mod 16 */
	for (int pos = 0; pos < 40; pos++) {
		char s[40];
		memset(s, 'x', sizeof s);
		s[pos] = '"';
		strbuf_reset(&b);
		json_write_str(&b, s, sizeof s);
		T_EQ_INT(b.len, 40 + 2 + 1);
		T_EQ_INT(json_parse(&d, b.p, b.len), 0);
		T_EQ_INT(json_str_decode(&d, 0, out), 40);
		T_CHECK(out[pos] == '"');
	}
	/* embedded NUL */
	strbuf_reset(&b);
	json_write_str(&b, "a\0b", 3);
	T_EQ_STR(b.p, "\"a\\u0000b\"");
	json_doc_free(&d);
	strbuf_free(&b);
}

static void test_surrogate_pairs(void)
{
	const char *s = "[\"\\ud83d\\ude00\",\"\\u00e9\\u4e2d\",\"\\/\"]";
	json_doc d;
	json_doc_init(&d);
	T_EQ_INT(json_parse(&d, s, strlen(s)), 0);
	char out[16];
	size_t n = json_str_decode(&d, 1, out);
	T_CHECK(n == 4 && !memcmp(out, "😀", 4));
	n = json_str_decode(&d, 2, out);
	T_CHECK(n == 5 && !memcmp(out, "é中", 5));
	n = json_str_decode(&d, 3, out);
	T_CHECK(n == 1 && out[0] == '/');
	json_doc_free(&d);
}

static void test_reuse_doc(void)
{
	/* one doc across many parses: node storage is reused, results independent */
	json_doc d;
	json_doc_init(&d);
	for (int i = 0; i < 1000; i++) {
		char s[64];
		int n = snprintf(s, sizeof s, "{\"i\":%d,\"a\":[%d,%d]}", i, i, i + 1);
		T_EQ_INT(json_parse(&d, s, (size_t)n), 0);
		int64_t v;
		T_EQ_INT(json_num_i64(&d, json_get(&d, 0, "i"), &v), 0);
		T_EQ_INT(v, i);
	}
	json_doc_free(&d);
}

/* blank: empty or JSON whitespace, plain or escaped; anything else is text */
static void test_str_blank(void)
{
	static const struct { const char *json; int blank; } c[] = {
		{"\"\"", 1}, {"\" \"", 1}, {"\"\\n\\t\\r \"", 1}, {"\"\\u0020\\u0009\\u000A\\u000d\"", 1},
		{"\"x\"", 0}, {"\" . \"", 0}, {"\"\\u00a0\"", 0}, {"\"\\u0021\"", 0}, {"\"\\u2003\"", 0},
		{"\"\\/\"", 0}, {"\"\\\\\"", 0}, {"\"\\b\"", 0}, {"\"\\u0000\"", 0}, {"\"\\u0020x\"", 0}, {"17", 0},
	};
	json_doc d;
	json_doc_init(&d);
	for (size_t i = 0; i < sizeof c / sizeof *c; i++) {
		T_EQ_INT(json_parse(&d, c[i].json, strlen(c[i].json)), 0);
		T_CHECKF(json_str_blank(&d, 0) == c[i].blank, "json_str_blank(%s) is not %d", c[i].json, c[i].blank);
	}
	json_doc_free(&d);
}

/* Pieces of string bodies: the bytes the fast scan must judge as the
 * byte-by-byte one does, at every alignment against its 16- and 64-byte
 * blocks. */
static const char *const str_pieces[] = {
	"a", "b", " ", "xyz", "hello world", "<img src=x>", "\"", "\\", "\\\\", "\\\\\\", "\\n", "\\t", "\\\"", "\\/",
	"\\b", "\\f", "\\r", "\\q", "\\x", "\\ ", "\\u0041", "\\u00e9", "\\uD83D\\uDE00", "\\uD83D", "\\uDE00",
	"\\uD83Dx", "\\u12G4", "\\u00", "\x01", "\x1f", "\t", "\n", "\x7f",
	"\xc3\xa9", "\xc2\x80", "\xdf\xbf", "\xe0\xa0\x80", "\xe0\x9f\xbf", "\xe1\x80\x80", "\xec\xbf\xbf",
	"\xed\x9f\xbf", "\xed\xa0\x80", "\xee\x80\x80", "\xef\xbf\xbf", "\xea\xb0\x80", "\xf0\x90\x80\x80",
	"\xf0\x8f\xbf\xbf", "\xf3\xbf\xbf\xbf", "\xf4\x8f\xbf\xbf", "\xf4\x90\x80\x80", "\xf5\x80\x80\x80",
	"\x80", "\xbf", "\xc0\x80", "\xc1\xbf", "\xc3", "\xe1\x80", "\xf0\x90\x80", "\xff", "\xfe",
	"\xed\x95\x9c\xea\xb8\x80", "\xe4\xb8\xad\xe6\x96\x87", "\xf0\x9f\x98\x80",
};
/* the valid ones, most of what a document is made of */
static const char *const good_pieces[] = {
	"a", "b", " ", "xyz", "hello world", "<img src=x>", "\\\\", "\\n", "\\t", "\\\"", "\\/", "\\u00e9",
	"\xc3\xa9", "\xe0\xa0\x80", "\xea\xb0\x80", "\xed\x9f\xbf", "\xef\xbf\xbf", "\xf0\x90\x80\x80",
	"\xf4\x8f\xbf\xbf", "\xed\x95\x9c\xea\xb8\x80", "\xe4\xb8\xad\xe6\x96\x87", "\xf0\x9f\x98\x80",
};

static uint64_t rng_state = 0x9E3779B97F4A7C15u;
static uint32_t rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (uint32_t)(rng_state >> 11);
}

/* the scan in mode (JSON_SCAN_BEST or _SSE2) against the byte-by-byte one */
static int same_parse_mode(const char *s, size_t n, int mode, char *why, size_t wn)
{
	json_doc a, b;
	json_doc_init(&a);
	json_doc_init(&b);
	json_scan_mode(mode);
	int ra = json_parse(&a, s, n);
	json_scan_mode(JSON_SCAN_BYTEWISE);
	int rb = json_parse(&b, s, n);
	json_scan_mode(JSON_SCAN_BEST);
	int same = ra == rb;
	if (!same) snprintf(why, wn, "result %d != %d (%s)", ra, rb, ra ? a.err : b.err);
	else if (ra && (strcmp(a.err, b.err) || a.err_off != b.err_off))
		snprintf(why, wn, "error \"%s\" != \"%s\"", a.err, b.err), same = 0;
	else if (!ra && a.n != b.n)
		snprintf(why, wn, "%zu nodes != %zu", (size_t)a.n, (size_t)b.n), same = 0;
	for (size_t i = 0; same && !ra && i < a.n; i++) {
		const json_node *x = &a.nodes[i], *y = &b.nodes[i];
		if (x->type != y->type || x->flags != y->flags || x->off != y->off || x->len != y->len || x->count != y->count)
			snprintf(why, wn, "node %zu differs (flags %u != %u, len %zu != %zu)", i, x->flags, y->flags,
			         (size_t)x->len, (size_t)y->len), same = 0;
	}
	json_doc_free(&a);
	json_doc_free(&b);
	return same;
}

static int same_parse(const char *s, size_t n, char *why, size_t wn)
{
	return same_parse_mode(s, n, JSON_SCAN_BEST, why, wn) && same_parse_mode(s, n, JSON_SCAN_SSE2, why, wn);
}

/* The SIMD string scan (the best the CPU has, and SSE2) against the
 * byte-by-byte definition on 200,000
 * generated documents: escapes, runs of backslashes, backslash-u escapes
 * and surrogates, controls, valid and invalid UTF-8 of every length and
 * boundary, at every offset from the blocks, strings ending anywhere. */
static void test_fast_strings_equal_bytewise(void)
{
	const size_t np = sizeof str_pieces / sizeof *str_pieces, ng = sizeof good_pieces / sizeof *good_pieces;
	char *buf = malloc(4096);
	int bad = 0, n_ok = 0, n_err = 0;
	for (int t = 0; t < 200000 && bad < 5; t++) {
		size_t n = 0, pad = rng() % 70;
		buf[n++] = '[';
		for (size_t k = 0; k < pad; k++) buf[n++] = ' ';
		int strings = 1 + (int)(rng() % 3);
		for (int si = 0; si < strings; si++) {
			if (si) buf[n++] = ',';
			buf[n++] = '"';
			size_t target = rng() % (rng() % 4 ? 80 : 400);
			/* mostly valid pieces, so that the strings get long before an error */
			while (n < target + pad + 2) {
				const char *p = rng() % 64 ? good_pieces[rng() % ng] : str_pieces[rng() % np];
				if (p[0] == '"' && rng() % 4) continue;
				size_t l = strlen(p);
				if (n + l > 4000) break;
				memcpy(buf + n, p, l);
				n += l;
			}
			if (rng() % 16) buf[n++] = '"';
		}
		if (rng() % 2) buf[n++] = ']';
		char why[600];
		if (!same_parse(buf, n, why, sizeof why)) {
			bad++;
			T_CHECKF(0, "document %d (%zu bytes): %s", t, n, why);
		}
		json_doc d;
		json_doc_init(&d);
		if (json_parse(&d, buf, n)) n_err++; else n_ok++;
		json_doc_free(&d);
	}
	/* long runs of backslashes, inside the non-ASCII gear, across blocks */
	for (size_t run = 60; run <= 140 && bad < 5; run++) {
		size_t n = 0;
		buf[n++] = '"';
		memcpy(buf + n, "\xc3\xa9", 2), n += 2;
		for (size_t k = 0; k < run; k++) buf[n++] = '\\';
		buf[n++] = 'n';
		for (size_t k = 0; k < 70; k++) buf[n++] = 'z';
		buf[n++] = '"';
		char why[600];
		if (!same_parse(buf, n, why, sizeof why)) {
			bad++;
			T_CHECKF(0, "a run of %zu backslashes: %s", run, why);
		}
	}
	/* both outcomes are well represented, or the comparison proves little */
	T_CHECKF(n_ok > 20000 && n_err > 20000, "%d parsed, %d rejected", n_ok, n_err);
	free(buf);
}

/* json_parse_object: a JSONL record is an object; anything else says what it is */
static void test_parse_object(void)
{
	json_doc d;
	json_doc_init(&d);
	char why[200] = "";
	T_EQ_INT(json_parse_object(&d, "{\"a\":1}", 7, why, sizeof why), 0);
	T_EQ_INT(d.nodes[0].type, JSON_OBJECT);
	T_EQ_INT(json_parse_object(&d, "[1]", 3, why, sizeof why), -1);
	T_EQ_STR(why, "record is not a JSON object");
	T_EQ_INT(json_parse_object(&d, "\"s\"", 3, why, sizeof why), -1);
	T_EQ_STR(why, "record is not a JSON object");
	T_EQ_INT(json_parse_object(&d, "{\"a\":", 5, why, sizeof why), -1);
	T_CHECKF(!strncmp(why, "invalid JSON: ", 14) && !strcmp(why + 14, d.err), "%s", why);
	T_EQ_INT(json_parse_object(&d, "", 0, why, sizeof why), -1);
	T_CHECKF(!strncmp(why, "invalid JSON: ", 14), "%s", why);
	char small[8];
	T_EQ_INT(json_parse_object(&d, "1", 1, small, sizeof small), -1);
	T_EQ_STR(small, "record ");   /* cut to the buffer, NUL-terminated */
	json_doc_free(&d);
}

int main(void)
{
	T_RUN(test_parse_object);
	T_RUN(test_str_blank);
	T_RUN(test_conformance);
	T_RUN(test_roundtrip_conformance);
	T_RUN(test_roundtrip_corpus);
	T_RUN(test_navigation);
	T_RUN(test_errors);
	T_RUN(test_fast_strings_equal_bytewise);
	T_RUN(test_writer);
	T_RUN(test_surrogate_pairs);
	T_RUN(test_reuse_doc);
	return t_done();
}
