/* test_detect.c — the text rules of drop-multimodal and drop-tool-use: the
 * fast prose walker against the byte-by-byte one that defines it, on random
 * texts built from the pieces the rules look at; the raw-bytes prefilter
 * against decoding; and the cases where code is told from prose. */
#include "detect.h"
#include "json.h"
#include "t.h"

#include <stdint.h>

static uint64_t rng = 0x9E3779B97F4A7C15ull;
static uint64_t next_rand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static const char *const pieces[] = {
	"word ", "prose. ", " ", "  ", "    ", "\t", "\n", "\n\n", "`", "``", "```", "````", "~~~", "~",
	"!", "[", "]", "(", ")", "<", ">", "![alt](x.png)", "![a]", "[IMG]", "<image>", "<img src=\"a\">",
	"<img", " src", "<image_3>", "<|image_12|>", "<video>", "<|vision_start|>", "data:image/png;base64,",
	"QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWZnaGlqa2xtbm9wcXJzdHV2d3h5ejAxMjM0NTY3ODk=",
	"Action:", "Action: search", "Observation:", "Observation: 42", "A", "O", "<tool_call>",
	"[TOOL_CALLS]", "<function=f>", "<|python_tag|>", "```python\n", "x = [1, 2]\n", "a < b\n",
	"\\", "\\n", "\"", "/", "\r", "\r\n", "\t```\n", "  ~~~~\n", "s = \"<img src=\\\"a\\\">\"\n",
	"<img\tsrc=x>", "<img\nsrc=x>", "<img/src=x>", "data:image/png;base64,QUJD/+==\n",
	"data:image/png;base64,AAAA/BBBB/CCCC/DDDD/EEEE/FFFF/GGGG/HHHH/IIII/JJJJ/KKKK/LLLL/MMMM/NN==",
	"caf\xc3\xa9 ", "\xe4\xb8\xad\xe6\x96\x87", "\xf0\x9f\x98\x80", "<\xc3\xa9", "`\xc3\xa9`", "data:image/\xc3\xa9;base64,",
	"\xc2\xa0", "<img\xc3\xa9 src=x>", "Action:\xc3\xa9",
	/* U+00DA and U+05DA end in "da" when written \u00da, \u05da: with "ta:" after
	 * them the raw bytes hold a "data:" the text does not */
	"\xc3\x9a" "ta:image/png;base64,QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWZnaGlqa2xtbm9wcXJzdHV2d3h5ejAx",
	"\xd7\x9a" "ta:image/png;base64,QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWZnaGlqa2xtbm9wcXJzdHV2d3h5ejAx",
	"\xc3\xad" "ata:image/png;base64,QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWZnaGlqa2xtbm9wcXJzdHV2d3h5ejAx",
};

static size_t build(char *buf, size_t cap)
{
	size_t n = 0, k = 1 + next_rand() % 40;
	for (size_t j = 0; j < k; j++) {
		const char *p = pieces[next_rand() % (sizeof pieces / sizeof *pieces)];
		size_t l = strlen(p);
		if (n + l >= cap) break;
		memcpy(buf + n, p, l);
		n += l;
	}
	return n;
}

struct verdict { const char *mm, *tool; int act, obs; };

static struct verdict judge(const char *s, size_t n, int reference)
{
	struct verdict v = {0};
	char detail[256];
	detect_reference_walker(reference);
	v.mm = detect_multimodal_text(s, n, detail, sizeof detail);
	v.tool = detect_tool_text(s, n, &v.act, &v.obs, detail, sizeof detail);
	detect_reference_walker(0);
	return v;
}

static int same(const char *a, const char *b) { return a == b || (a && b && !strcmp(a, b)); }

static void test_fast_walker_agrees_with_reference(void)
{
	char buf[4096];
	int fired = 0, differ = 0;
	for (int iter = 0; iter < 200000; iter++) {
		size_t n = build(buf, sizeof buf);
		struct verdict f = judge(buf, n, 0), r = judge(buf, n, 1);
		if (f.mm || f.tool) fired++;
		if (!same(f.mm, r.mm) || !same(f.tool, r.tool) || f.act != r.act || f.obs != r.obs) {
			if (differ++ < 5)
				fprintf(stderr, "  walkers differ on \"%.*s\": mm %s/%s tool %s/%s act %d/%d obs %d/%d\n", (int)n, buf,
				        f.mm ? f.mm : "-", r.mm ? r.mm : "-", f.tool ? f.tool : "-", r.tool ? r.tool : "-",
				        f.act, r.act, f.obs, r.obs);
		}
	}
	T_EQ_INT(differ, 0);
	/* the texts must exercise both outcomes, or the comparison proves little */
	T_CHECKF(fired > 20000 && fired < 180000, "%d of 200000 texts fired a rule", fired);
}

/* s as a JSON string body, in the ways writers escape: the required escapes,
 * sometimes \/ for a slash, sometimes a \u escape for a character the rules
 * look for (it sends the string to the decoding path), and half the time
 * every non-ASCII character as \u escapes (walked undecoded) */
static size_t json_escape(const char *s, size_t n, char *out)
{
	size_t o = 0;
	int ascii_only = next_rand() % 2;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '"' || c == '\\') { out[o++] = '\\'; out[o++] = (char)c; }
		else if (c == '\n') { out[o++] = '\\'; out[o++] = 'n'; }
		else if (c == '\t') { out[o++] = '\\'; out[o++] = 't'; }
		else if (c == '\r') { out[o++] = '\\'; out[o++] = 'r'; }
		else if (c < 0x20) o += (size_t)sprintf(out + o, "\\u%04x", c);
		else if (c == '/' && next_rand() % 8 == 0) { out[o++] = '\\'; out[o++] = '/'; }
		else if ((c == '<' || c == '[') && next_rand() % 40 == 0) o += (size_t)sprintf(out + o, "\\u%04x", c);
		else if (c >= 0x80 && ascii_only) {
			/* as json.dumps writes non-ASCII by default: \uXXXX, pairs past U+FFFF */
			unsigned cp, len = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;
			cp = c & (len == 4 ? 0x07 : len == 3 ? 0x0F : 0x1F);
			for (unsigned k = 1; k < len; k++) cp = cp << 6 | ((unsigned char)s[i + k] & 0x3F);
			i += len - 1;
			if (cp >= 0x10000)
				o += (size_t)sprintf(out + o, "\\u%04x\\u%04x", 0xD800 + ((cp - 0x10000) >> 10), 0xDC00 + ((cp - 0x10000) & 0x3FF));
			else
				o += (size_t)sprintf(out + o, "\\u%04x", cp);
		} else out[o++] = (char)c;
	}
	return o;
}

/* The record rules read most strings undecoded, escapes and all; forced onto
 * the reference walker they decode every string first. Same verdicts. */
static void test_raw_walk_agrees_with_decoded(void)
{
	char text[4096], body[6 * 4096 + 64], rec[6 * 4096 + 256], detail[256];
	detect_ctx c;
	detect_init(&c);
	json_doc d;
	json_doc_init(&d);
	int differ = 0, fired = 0, parsed = 0;
	for (int iter = 0; iter < 100000; iter++) {
		size_t n = build(text, sizeof text);
		size_t bl = json_escape(text, n, body);
		int rl = snprintf(rec, sizeof rec, "{\"messages\":[{\"role\":\"user\",\"content\":\"%.*s\"}]}", (int)bl, body);
		if (json_parse(&d, rec, (size_t)rl)) continue;
		parsed++;
		const char *v[2][2];
		for (int ref = 0; ref < 2; ref++) {
			detect_reference_walker(ref);
			v[ref][0] = detect_multimodal(&c, &d, detail, sizeof detail);
			v[ref][1] = detect_tool_use(&c, &d, detail, sizeof detail);
		}
		detect_reference_walker(0);
		if (v[0][0] || v[0][1]) fired++;
		if (!same(v[0][0], v[1][0]) || !same(v[0][1], v[1][1])) {
			if (differ++ < 5)
				fprintf(stderr, "  raw and decoded walks differ on %s: mm %s/%s tool %s/%s\n", rec,
				        v[0][0] ? v[0][0] : "-", v[1][0] ? v[1][0] : "-", v[0][1] ? v[0][1] : "-", v[1][1] ? v[1][1] : "-");
		}
	}
	T_EQ_INT(parsed, 100000);
	T_EQ_INT(differ, 0);
	T_CHECKF(fired > 10000 && fired < 90000, "%d of 100000 records fired a rule", fired);
	json_doc_free(&d);
	detect_free(&c);
}

/* An inline code span is looked for up to 64 KiB of decoded text: written
 * as \u00e9, each 'é' is 6 raw bytes and 2 decoded ones, and the raw walk
 * must count 2. 32,000 of them (64,000 bytes) close the span, so the
 * placeholder inside is code; 33,000 (66,000) do not, and it is prose. */
static void test_uescape_span_bound(void)
{
	size_t cap = 40000 * 6 + 256;
	char *rec = malloc(cap), detail[256];
	detect_ctx c;
	detect_init(&c);
	json_doc d;
	json_doc_init(&d);
	const size_t counts[] = {32000, 33000};
	for (int t = 0; t < 2; t++) {
		size_t n = (size_t)sprintf(rec, "{\"messages\":[{\"role\":\"user\",\"content\":\"`");
		for (size_t k = 0; k < counts[t]; k++) n += (size_t)sprintf(rec + n, "\\u00e9");
		n += (size_t)sprintf(rec + n, " <image> ` end\"}]}");
		T_EQ_INT(json_parse(&d, rec, n), 0);
		const char *v[2];
		for (int ref = 0; ref < 2; ref++) {
			detect_reference_walker(ref);
			v[ref] = detect_multimodal(&c, &d, detail, sizeof detail);
		}
		detect_reference_walker(0);
		T_CHECKF(same(v[0], v[1]), "%zu escapes: raw walk %s, decoded %s", counts[t], v[0] ? v[0] : "kept",
		         v[1] ? v[1] : "kept");
		if (t == 0) T_CHECK(v[0] == NULL);
		else T_CHECK(v[0] != NULL);
	}
	json_doc_free(&d);
	detect_free(&c);
	free(rec);
}

/* Found in review: hex digits of an escape are not text. "\u00da" + "ta:"
 * is "Úta:", no data URI; "\\u00da" (an escaped backslash, then "u00da")
 * + "ta:" is one, as is "data:" right after an escape. */
static void test_data_uri_not_in_escape_digits(void)
{
	static const struct { const char *content; int dropped; } cases[] = {
		{"\\u00data:image/png;base64,AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", 0},
		{"\\u05data:image/png;base64,AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", 0},
		{"\\u00edata:image/png;base64,AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", 0},
		{"\\uD83D\\uDEDAta:image/png;base64,AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", 0},
		{"\\\\u00data:image/png;base64,AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", 1},
		{"\\u00e9data:image/png;base64,AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", 1},
	};
	char rec[512], detail[256];
	detect_ctx c;
	detect_init(&c);
	json_doc d;
	json_doc_init(&d);
	for (size_t k = 0; k < sizeof cases / sizeof *cases; k++) {
		int n = snprintf(rec, sizeof rec, "{\"messages\":[{\"role\":\"user\",\"content\":\"%s\"}]}", cases[k].content);
		T_EQ_INT(json_parse(&d, rec, (size_t)n), 0);
		const char *v[2];
		for (int ref = 0; ref < 2; ref++) {
			detect_reference_walker(ref);
			v[ref] = detect_multimodal(&c, &d, detail, sizeof detail);
		}
		detect_reference_walker(0);
		T_CHECKF((v[0] != NULL) == cases[k].dropped && (v[1] != NULL) == cases[k].dropped, "%s: raw walk %s, decoded %s",
		         cases[k].content, v[0] ? v[0] : "kept", v[1] ? v[1] : "kept");
	}
	json_doc_free(&d);
	detect_free(&c);
}

static const char *mm(const char *s)
{
	char d[256];
	return detect_multimodal_text(s, strlen(s), d, sizeof d);
}

static const char *tool(const char *s, int *act, int *obs)
{
	char d[256];
	return detect_tool_text(s, strlen(s), act, obs, d, sizeof d);
}

/* every marker the man pages list fires in prose (the rules skip a '<' or
 * '[' early by the byte after it: none may be skipped wrongly) */
static void test_every_marker(void)
{
	static const char *const media[] = {
		"<image>", "<video>", "<audio>", "<|image|>", "<|video|>", "<|audio|>", "<|IMAGE|>", "<|VIDEO|>",
		"<|AUDIO|>", "<|image_pad|>", "<|video_pad|>", "<|vision_start|>", "<|vision_end|>", "<|vision_pad|>",
		"<|audio_bos|>", "<|audio_eos|>", "<|AUDIO_BOS|>", "<start_of_image>", "<|begin_of_image|>", "<|img|>",
		"<img_placeholder>", "[IMG]", "<image_1>", "<|image_2|>", "<image3>", "<video_4>", "<img src=a>",
		"<IMG SRC=a>", "<img\nsrc=a>", "![a](b)", NULL};
	static const char *const tools[] = {
		"<tool_call>", "<tool_response>", "<|python_tag|>", "<function=f>", "<|tool_call|>",
		"<|tool_calls_section_begin|>", "[TOOL_CALLS]", "[TOOL_RESULTS]", "<functioncall>", NULL};
	char buf[256], d[256];
	int act, obs;
	for (int k = 0; media[k]; k++) {
		snprintf(buf, sizeof buf, "text %s text", media[k]);
		T_CHECKF(detect_multimodal_text(buf, strlen(buf), d, sizeof d) != NULL, "%s", media[k]);
	}
	for (int k = 0; tools[k]; k++) {
		snprintf(buf, sizeof buf, "text %s text", tools[k]);
		act = obs = 0;
		T_CHECKF(detect_tool_text(buf, strlen(buf), &act, &obs, d, sizeof d) != NULL, "%s", tools[k]);
	}
}

static void test_code_and_prose(void)
{
	T_EQ_STR(mm("see <image> here"), "multimodal_placeholder");
	T_CHECK(mm("see `<image>` here") == NULL);
	T_CHECK(mm("```\n<image>\n```") == NULL);
	T_EQ_STR(mm("```\n<image>\n```\nthen <image>"), "multimodal_placeholder");
	/* fences indented inside list items are code, however deep */
	T_CHECK(mm("1. Step\n\n    ```html\n    <img src=\"a.png\">\n    ```\n") == NULL);
	T_CHECK(mm("\t~~~\n![x](y)\n\t~~~") == NULL);
	/* an unclosed fence runs to the end */
	T_CHECK(mm("```\n<image>") == NULL);
	/* a "!" in code and a "[" in prose are never adjacent */
	T_CHECK(mm("``!``[a](b)") == NULL);
	T_CHECK(mm("`!`[a](b)") == NULL);
	T_EQ_STR(mm("`x`![a](b)"), "multimodal_markdown_image");
	T_EQ_STR(mm("![a](b)"), "multimodal_markdown_image");
	T_EQ_STR(mm("x\n![a](b)"), "multimodal_markdown_image");
	int act = 0, obs = 0;
	T_CHECK(tool("Thought: x\nAction: search\n", &act, &obs) == NULL);
	T_CHECK(act == 1 && obs == 0);
	act = obs = 0;
	tool("  Observation: 3", &act, &obs);
	T_CHECK(obs == 1);
	act = obs = 0;
	tool("the Action: is not at a line start", &act, &obs);
	T_CHECK(act == 0);
	act = obs = 0;
	tool("```\nAction: x\nObservation: y\n```", &act, &obs);
	T_CHECK(act == 0 && obs == 0);
	T_EQ_STR(tool("<tool_call>{}</tool_call>", &act, &obs), "tool_text");
}

/* The record-level rules skip strings whose raw bytes cannot match without
 * decoding them; a backslash-u escape can hide anything and must be decoded. */
static void test_prefilter_and_escapes(void)
{
	static const struct { const char *json; int mm, tool; } cases[] = {
		{"{\"messages\":[{\"role\":\"user\",\"content\":\"plain text: nothing here\"}]}", 0, 0},
		{"{\"messages\":[{\"role\":\"user\",\"content\":\"a\\n<image>\\n\"}]}", 1, 0},
		{"{\"messages\":[{\"role\":\"user\",\"content\":\"\\u003cimage>\"}]}", 1, 0},
		{"{\"messages\":[{\"role\":\"user\",\"content\":\"\\u005bIMG]\"}]}", 1, 0},
		{"{\"messages\":[{\"role\":\"user\",\"content\":\"\\u003ctool_call>\"}]}", 0, 1},
		{"{\"messages\":[{\"role\":\"user\",\"content\":\"x\\nAction: a\\nObservation\\u003a b\"}]}", 0, 1},
		{"{\"messages\":[{\"role\":\"user\",\"content\":\"x\\nAction: a\\nObservation: b\"}]}", 0, 1},
		{"{\"messages\":[{\"role\":\"user\",\"content\":\"data\\u003aimage/png;base64,"
		 "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWZnaGlqa2xtbm9wcXJzdHV2d3h5ejAxMjM0NTY3ODk=\"}]}", 1, 0},
		{"{\"messages\":[{\"role\":\"user\",\"content\":\"data:image/png;base64,"
		 "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWZnaGlqa2xtbm9wcXJzdHV2d3h5e\\/AxMjM0NTY3ODk=\"}]}", 1, 0},
		{"{\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"\\u003cimage>\"}]}]}", 1, 0},
	};
	detect_ctx c;
	detect_init(&c);
	json_doc d;
	json_doc_init(&d);
	char detail[256];
	for (size_t k = 0; k < sizeof cases / sizeof *cases; k++) {
		T_EQ_INT(json_parse(&d, cases[k].json, strlen(cases[k].json)), 0);
		int m = detect_multimodal(&c, &d, detail, sizeof detail) != NULL;
		int t = detect_tool_use(&c, &d, detail, sizeof detail) != NULL;
		T_CHECKF(m == cases[k].mm && t == cases[k].tool, "case %zu: mm %d tool %d", k, m, t);
	}
	json_doc_free(&d);
	detect_free(&c);
}

int main(void)
{
	T_RUN(test_fast_walker_agrees_with_reference);
	T_RUN(test_raw_walk_agrees_with_decoded);
	T_RUN(test_uescape_span_bound);
	T_RUN(test_data_uri_not_in_escape_digits);
	T_RUN(test_every_marker);
	T_RUN(test_code_and_prose);
	T_RUN(test_prefilter_and_escapes);
	return t_done();
}
