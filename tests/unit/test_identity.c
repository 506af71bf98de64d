/* test_identity.c — the rules of drop-identity: each claim and cut-off form
 * in each language, the keep-cases (third person, code, quotes, the user's
 * own words, "As an AI" with no name, other cut-offs), and the literal
 * prefilter against matching without it on random texts. */
#include "identity.h"
#include "json.h"
#include "t.h"

#include <stdint.h>

static identity_rules *R;

static const char *judge(const char *s, int reference, char *detail, size_t dn)
{
	identity_ctx c;
	identity_init(&c, R);
	c.reference = reference;
	const char *r = identity_text(&c, s, strlen(s), detail, dn);
	identity_free(&c);
	return r;
}

static const char *verdict(const char *s)
{
	char d[256];
	return judge(s, 0, d, sizeof d);
}

static const struct { const char *text, *reason; } drops[] = {
	{"I am ChatGPT, a large language model trained by OpenAI.", "foreign_identity"},
	{"Hi! I'm Claude, an AI assistant made by Anthropic.", "foreign_identity"},
	{"As an AI language model developed by OpenAI, I cannot browse the internet.", "foreign_identity"},
	{"Hello! I am OLMo, an AI assistant built by Ai2.", "foreign_identity"},
	{"I'm T\xc3\xbclu, a model trained by the Allen Institute for AI.", "foreign_identity"},
	{"I was created by Anthropic to be helpful.", "foreign_identity"},
	{"I am a large language model, trained by Google.", "foreign_identity"},
	{"I'm based on GPT-4.", "foreign_identity"},
	{"My name is Gemini and I can help.", "foreign_identity"},
	{"You can call me Qwen.", "foreign_identity"},
	{"As ChatGPT, I must decline.", "foreign_identity"},
	{"My creators are the team at Meta AI.", "foreign_identity"},
	{"OpenAI trained me on a large corpus.", "foreign_identity"},
	{"I'm an AI assistant developed by DeepSeek.", "foreign_identity"},
	{"I am Grok, built by xAI.", "foreign_identity"},
	{"I'm Phi-3, a small model from Microsoft.", "foreign_identity"},
	{"<think>\nThe user asks who I am. I am Llama, made by Meta.\n</think>\nI can help with that.", "foreign_identity"},
	{"Soy ChatGPT, un modelo de lenguaje.", "foreign_identity"},
	{"Fui creado por OpenAI.", "foreign_identity"},
	{"Como modelo de lenguaje desarrollado por OpenAI, no tengo opiniones.", "foreign_identity"},
	{"Je suis Claude, un assistant cr\xc3\xa9\xc3\xa9 par Anthropic.", "foreign_identity"},
	{"J'ai \xc3\xa9t\xc3\xa9 d\xc3\xa9velopp\xc3\xa9 par Mistral AI.", "foreign_identity"},
	{"En tant que mod\xc3\xa8le de langage d\xc3\xa9velopp\xc3\xa9 par OpenAI, je ne peux pas.", "foreign_identity"},
	{"Ich bin ChatGPT, ein Sprachmodell.", "foreign_identity"},
	{"Ich wurde von Google entwickelt.", "foreign_identity"},
	{"Als KI-Sprachmodell von OpenAI kann ich das nicht.", "foreign_identity"},
	{"\xe6\x88\x91\xe6\x98\xaf\xe9\x80\x9a\xe4\xb9\x89\xe5\x8d\x83\xe9\x97\xae\xef\xbc\x8c\xe7\x94\xb1\xe9\x98\xbf\xe9\x87\x8c\xe4\xba\x91\xe5\xbc\x80\xe5\x8f\x91\xe3\x80\x82", "foreign_identity"},   /* 我是通义千问，由阿里云开发。 */
	{"\xe6\x88\x91\xe6\x98\xaf\xe7\x94\xb1OpenAI\xe5\xbc\x80\xe5\x8f\x91\xe7\x9a\x84\xe4\xba\xba\xe5\xb7\xa5\xe6\x99\xba\xe8\x83\xbd\xe5\x8a\xa9\xe6\x89\x8b\xe3\x80\x82", "foreign_identity"},   /* 我是由OpenAI开发的人工智能助手。 */
	{"\xe7\xa7\x81\xe3\x81\xaf" "ChatGPT\xe3\x81\xa7\xe3\x81\x99\xe3\x80\x82", "foreign_identity"},   /* 私はChatGPTです。 */
	{"OpenAI\xe3\x81\xab\xe3\x82\x88\xe3\x81\xa3\xe3\x81\xa6\xe9\x96\x8b\xe7\x99\xba\xe3\x81\x95\xe3\x82\x8c\xe3\x81\x9f" "AI\xe3\x81\xa8\xe3\x81\x97\xe3\x81\xa6\xe3\x80\x81", "foreign_identity"},   /* OpenAIによって開発されたAIとして、 */
	{"\xd0\xaf \xe2\x80\x94 ChatGPT, \xd1\x8f\xd0\xb7\xd1\x8b\xd0\xba\xd0\xbe\xd0\xb2\xd0\xb0\xd1\x8f \xd0\xbc\xd0\xbe\xd0\xb4\xd0\xb5\xd0\xbb\xd1\x8c.", "foreign_identity"},   /* Я — ChatGPT, языковая модель. */
	{"\xd0\xaf \xd1\x8f\xd0\xb7\xd1\x8b\xd0\xba\xd0\xbe\xd0\xb2\xd0\xb0\xd1\x8f \xd0\xbc\xd0\xbe\xd0\xb4\xd0\xb5\xd0\xbb\xd1\x8c, \xd1\x80\xd0\xb0\xd0\xb7\xd1\x80\xd0\xb0\xd0\xb1\xd0\xbe\xd1\x82\xd0\xb0\xd0\xbd\xd0\xbd\xd0\xb0\xd1\x8f OpenAI.", "foreign_identity"},   /* Я языковая модель, разработанная OpenAI. */
	{"My knowledge cutoff is September 2021.", "knowledge_cutoff"},
	{"As of my last update in 2023, the record stood.", "knowledge_cutoff"},
	{"My training data only goes up to early 2023.", "knowledge_cutoff"},
	{"I was trained on data up to April 2024.", "knowledge_cutoff"},
	{"I don't have information about events after September 2021.", "knowledge_cutoff"},
	{"<think>my knowledge cut-off is 2023, so I may be out of date</think>Here is what I know.", "knowledge_cutoff"},
	{"Mi fecha de corte de conocimiento es septiembre de 2021.", "knowledge_cutoff"},
	{"Hasta mi \xc3\xbaltima actualizaci\xc3\xb3n, no hab\xc3\xad" "a datos.", "knowledge_cutoff"},
	{"Ma date de coupure est 2023.", "knowledge_cutoff"},
	{"Depuis ma derni\xc3\xa8re mise \xc3\xa0 jour, je ne sais pas.", "knowledge_cutoff"},
	{"Mein Wissensstand reicht bis 2023.", "knowledge_cutoff"},
	{"Meine Trainingsdaten reichen bis 2021.", "knowledge_cutoff"},
	{"\xe6\x88\x91\xe7\x9a\x84\xe7\x9f\xa5\xe8\xaf\x86\xe6\x88\xaa\xe6\xad\xa2\xe5\x88\xb0""2023\xe5\xb9\xb4\xe3\x80\x82", "knowledge_cutoff"},   /* 我的知识截止到2023年。 */
	{"\xe7\xa7\x81\xe3\x81\xae\xe7\x9f\xa5\xe8\xad\x98\xe3\x81\xaf""2023\xe5\xb9\xb4\xe3\x81\xbe\xe3\x81\xa7\xe3\x81\xa7\xe3\x81\x99\xe3\x80\x82", "knowledge_cutoff"},   /* 私の知識は2023年までです。 */
	{"\xd0\x9c\xd0\xbe\xd0\xb8 \xd0\xb7\xd0\xbd\xd0\xb0\xd0\xbd\xd0\xb8\xd1\x8f \xd0\xbe\xd0\xb3\xd1\x80\xd0\xb0\xd0\xbd\xd0\xb8\xd1\x87\xd0\xb5\xd0\xbd\xd1\x8b 2021 \xd0\xb3\xd0\xbe\xd0\xb4\xd0\xbe\xd0\xbc.", "knowledge_cutoff"},   /* Мои знания ограничены 2021 годом. */
};

static const char *const keeps[] = {
	/* third person */
	"ChatGPT was released by OpenAI in November 2022.",
	"Claude is made by Anthropic, and Gemini by Google.",
	"GPT-4 has a knowledge cutoff of April 2023.",
	"The model's training data cutoff is 2021, according to its card.",
	"Llama 2 was trained by Meta on 2 trillion tokens.",
	"OLMo is a fully open model from Ai2.",
	"Qwen is developed by Alibaba Cloud.",
	/* negations */
	"I am not ChatGPT; I am a different assistant.",
	"I was not created by OpenAI.",
	/* no name */
	"As an AI, I don't have feelings, but I can help.",
	"I am an AI assistant, here to help.",
	"As a language model, I can't browse.",
	/* code and configs */
	"```python\nclient = OpenAI()\nprint(\"I am ChatGPT\")\n```",
	"Set `model: gpt-4` in the config, then call `openai.chat.completions.create`.",
	"```yaml\nmodel: claude-3-opus\nsystem: I am Claude, made by Anthropic\n```",
	/* quotes */
	"ChatGPT often begins with \"As an AI language model developed by OpenAI, I cannot...\"",
	"> I am ChatGPT, a large language model trained by OpenAI.\n\nThat is the default reply.",
	"It answered \xe2\x80\x9cI am Claude, made by Anthropic\xe2\x80\x9d when asked.",
	/* other meanings */
	"The cutoff frequency of the filter is 3 kHz.",
	"The cut-off date for applications is May 1.",
	"I am a big fan of the tools made by Google.",
	"I was impressed by Google's new phone.",
	"I'm using GPT-4 for this task.",
	"Such as a model from Google, or one from Meta.",
	"Gemini is the third sign of the zodiac.",
	"He said Meta made me laugh.",
};

static void test_each_claim_is_dropped(void)
{
	for (size_t k = 0; k < sizeof drops / sizeof *drops; k++) {
		const char *r = verdict(drops[k].text);
		T_CHECKF(r && !strcmp(r, drops[k].reason), "\"%s\": %s, expected %s", drops[k].text, r ? r : "kept",
		         drops[k].reason);
	}
}

static void test_keep_cases_are_kept(void)
{
	for (size_t k = 0; k < sizeof keeps / sizeof *keeps; k++) {
		char d[256];
		const char *r = judge(keeps[k], 0, d, sizeof d);
		T_CHECKF(!r, "\"%s\" dropped: %s (%s)", keeps[k], r, d);
	}
}

static void test_detail_names_language_and_text(void)
{
	char d[256];
	T_EQ_STR(judge("Ich bin Claude.", 0, d, sizeof d), "foreign_identity");
	T_EQ_STR(d, "claims another model's identity (de): \"Ich bin Claude\"");
	T_EQ_STR(judge("Hi.\nmy knowledge cutoff\tis 2021", 0, d, sizeof d), "knowledge_cutoff");
	T_EQ_STR(d, "states a training cut-off (en): \"my knowledge cutoff\"");
}

/* a claim in code is skipped, the same claim after it still counts */
static void test_code_then_prose(void)
{
	T_EQ_STR(verdict("```\nI am ChatGPT\n```\nI am ChatGPT."), "foreign_identity");
	T_CHECK(!verdict("`I am ChatGPT` is what it says."));
	T_EQ_STR(verdict("\"I am ChatGPT\" it said. I am ChatGPT."), "foreign_identity");
}

/* invalid UTF-8 (a lone surrogate escape decodes to it) does not hide a claim */
static void test_invalid_utf8(void)
{
	T_EQ_STR(verdict("\xed\xa0\x80 I am ChatGPT."), "foreign_identity");
}

/* The prefilter must pass every text the patterns match: random texts built
 * from pieces of claims, against matching with the prefilter off. */
static uint64_t rng = 0x2545F4914F6CDD1Dull;
static uint64_t next_rand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static const char *const pieces[] = {
	"I am ", "I'm ", "I ", "am ", "was ", "created ", "trained ", "by ", "as an AI language model ", "developed ",
	"ChatGPT", "chatgpt", "CHATGPT", "OpenAI", "Claude", "Gemini", "Llama", "Meta", "Qwen", "Ai2", "T\xc3\xbclu",
	"T\xc3\x9cLU", "GPT-4", "gpt", "my ", "My ", "knowledge ", "cutoff", "Cut-Off", "cut off", "last ", "update",
	"as of ", "As Of ", "training ", "data ", "goes up to ", "2021", " ", ",", ".", "\n", "\n\n", "`", "```\n",
	"\"", "\xe2\x80\x9c", "\xe2\x80\x9d", "> ", "not ", "\xe6\x88\x91\xe6\x98\xaf", "\xe9\x80\x9a\xe4\xb9\x89",
	"\xe7\xa7\x81\xe3\x81\xaf", "\xd0\xaf ", "\xd0\x9c\xd0\xbe\xd0\xb8 \xd0\x97\xd0\x9d\xd0\x90\xd0\x9d\xd0\x98\xd0\xaf ",
	"\xd0\xbe\xd0\xb3\xd1\x80\xd0\xb0\xd0\xbd\xd0\xb8\xd1\x87\xd0\xb5\xd0\xbd\xd1\x8b ", "ich bin ", "Mein WISSENSSTAND",
	"je suis ", "soy ", "mise \xc3\xa0 jour", "MISE \xc3\x80 JOUR", "depuis ma ", "x", "\xed\xa0\x80",
};

static void test_prefilter_agrees_with_matching(void)
{
	char buf[4096];
	int fired = 0, differ = 0;
	for (int iter = 0; iter < 100000; iter++) {
		size_t n = 0, k = 1 + next_rand() % 12;
		if (iter % 2) {
			/* a claim, its ASCII letters' case flipped at random, among pieces */
			const char *t = drops[next_rand() % (sizeof drops / sizeof *drops)].text;
			size_t l = strlen(t);
			memcpy(buf, t, l);
			for (size_t q = 0; q < l; q++)
				if (((buf[q] | 0x20) >= 'a' && (buf[q] | 0x20) <= 'z') && next_rand() % 3 == 0) buf[q] ^= 0x20;
			n = l;
			k /= 3;
		}
		for (size_t j = 0; j < k; j++) {
			const char *p = pieces[next_rand() % (sizeof pieces / sizeof *pieces)];
			size_t l = strlen(p);
			memcpy(buf + n, p, l);
			n += l;
		}
		buf[n] = 0;
		char d[256];
		const char *f = judge(buf, 0, d, sizeof d), *r = judge(buf, 1, d, sizeof d);
		if (r) fired++;
		if ((f == NULL) != (r == NULL) || (f && strcmp(f, r))) {
			if (differ++ < 5) fprintf(stderr, "  prefilter changes \"%s\": %s / %s\n", buf, f ? f : "-", r ? r : "-");
		}
	}
	T_EQ_INT(differ, 0);
	T_CHECKF(fired > 1000, "only %d random texts matched: the test would not notice", fired);
}

/* text as a JSON string, characters escaped at random as \\uXXXX (all
 * non-ASCII ones in mode 0, as Python's json.dumps writes them, half of
 * them in mode 1, and some printable ASCII ones too in mode 2); 0 when text
 * is not valid UTF-8 */
static size_t escape_json(char *out, const char *t, size_t n, int mode)
{
	size_t o = 0;
	for (size_t i = 0; i < n;) {
		unsigned char ch = (unsigned char)t[i];
		size_t l = ch < 0x80 ? 1 : ch < 0xE0 ? 2 : ch < 0xF0 ? 3 : 4;
		if (l > n - i || !utf8_valid(t + i, l)) return 0;
		unsigned v = l == 1 ? ch : l == 2 ? ch & 0x1Fu : l == 3 ? ch & 0x0Fu : ch & 0x07u;
		for (size_t k = 1; k < l; k++) v = v << 6 | ((unsigned char)t[i + k] & 0x3Fu);
		if (v == '"' || v == '\\' || v < 0x20 || (v >= 0x80 && (mode == 0 || next_rand() % 2)) || (mode == 2 && next_rand() % 8 == 0)) {
			if (v >= 0x10000)
				o += (size_t)sprintf(out + o, "\\u%04x\\u%04X", 0xD800 + ((v - 0x10000) >> 10), 0xDC00 + ((v - 0x10000) & 0x3FF));
			else
				o += (size_t)sprintf(out + o, next_rand() % 2 ? "\\u%04x" : "\\u%04X", v);
		} else {
			memcpy(out + o, t + i, l);
			o += l;
		}
		i += l;
	}
	return o;
}

/* the same on records whose text is escaped: the prefilter reads their raw
 * bytes and the escapes (escape_hides), not the decoded text */
static void test_prefilter_agrees_on_escapes(void)
{
	static char buf[4096], rec[4096 * 12 + 128];
	int fired = 0, differ = 0;
	identity_ctx c;
	identity_init(&c, R);
	for (int iter = 0; iter < 100000; iter++) {
		size_t n = 0, k = 1 + next_rand() % 12;
		if (iter % 2) {
			const char *t = drops[next_rand() % (sizeof drops / sizeof *drops)].text;
			n = strlen(t);
			memcpy(buf, t, n);
			k /= 3;
		}
		for (size_t j = 0; j < k; j++) {
			const char *p = pieces[next_rand() % (sizeof pieces / sizeof *pieces)];
			memcpy(buf + n, p, strlen(p));
			n += strlen(p);
		}
		size_t o = (size_t)sprintf(rec, "{\"messages\":[{\"role\":\"assistant\",\"content\":\"");
		size_t e = escape_json(rec + o, buf, n, iter % 5 % 3);
		if (!e) continue;
		o += e;
		o += (size_t)sprintf(rec + o, "\"}]}");
		json_doc d;
		json_doc_init(&d);
		T_CHECK(json_parse(&d, rec, o) == 0);
		char det[256];
		c.reference = 0;
		const char *f = identity_check(&c, &d, det, sizeof det);
		c.reference = 1;
		const char *r = identity_check(&c, &d, det, sizeof det);
		json_doc_free(&d);
		if (r) fired++;
		if ((f == NULL) != (r == NULL) || (f && strcmp(f, r)))
			if (differ++ < 5) fprintf(stderr, "  prefilter changes %.*s: %s / %s\n", (int)o, rec, f ? f : "-", r ? r : "-");
	}
	identity_free(&c);
	T_EQ_INT(differ, 0);
	T_CHECKF(fired > 1000, "only %d random records matched: the test would not notice", fired);
}

/* the record rule: assistant turns only, text parts and reasoning members too */
static void test_records(void)
{
	static const struct { const char *rec, *reason; } cases[] = {
		{"{\"messages\":[{\"role\":\"user\",\"content\":\"I am Claude, nice to meet you\"},{\"role\":\"assistant\",\"content\":\"Hi Claude!\"}]}", NULL},
		{"{\"messages\":[{\"role\":\"user\",\"content\":\"who are you\"},{\"role\":\"assistant\",\"content\":\"I am ChatGPT.\"}]}", "foreign_identity"},
		{"{\"messages\":[{\"role\":\"assistant\",\"content\":[{\"type\":\"text\",\"text\":\"I'm Gemini.\"}]}]}", "foreign_identity"},
		{"{\"messages\":[{\"role\":\"assistant\",\"content\":\"ok\",\"reasoning_content\":\"my knowledge cutoff is 2023\"}]}", "knowledge_cutoff"},
		{"{\"messages\":[{\"role\":\"assistant\",\"content\":\"I am \\u0043hatGPT.\"}]}", "foreign_identity"},
		{"{\"messages\":[{\"role\":\"assistant\",\"content\":\"\\u6211\\u662f\\u901a\\u4e49\\u5343\\u95ee\"}]}", "foreign_identity"},
		{"{\"messages\":[{\"role\":\"system\",\"content\":\"You are ChatGPT.\"},{\"role\":\"assistant\",\"content\":\"Hello.\"}]}", NULL},
		{"{\"messages\":\"I am ChatGPT\"}", NULL},
	};
	identity_ctx c;
	identity_init(&c, R);
	for (size_t k = 0; k < sizeof cases / sizeof *cases; k++) {
		json_doc d;
		json_doc_init(&d);
		T_CHECK(json_parse(&d, cases[k].rec, strlen(cases[k].rec)) == 0);
		char det[256];
		const char *r = identity_check(&c, &d, det, sizeof det);
		T_CHECKF(cases[k].reason ? r && !strcmp(r, cases[k].reason) : !r, "%s: %s", cases[k].rec, r ? r : "kept");
		json_doc_free(&d);
	}
	identity_free(&c);
}

int main(void)
{
	char err[256];
	R = identity_rules_new(err, sizeof err);
	if (!R) { fprintf(stderr, "%s\n", err); return 1; }
	T_RUN(test_each_claim_is_dropped);
	T_RUN(test_keep_cases_are_kept);
	T_RUN(test_detail_names_language_and_text);
	T_RUN(test_code_then_prose);
	T_RUN(test_invalid_utf8);
	T_RUN(test_prefilter_agrees_with_matching);
	T_RUN(test_prefilter_agrees_on_escapes);
	T_RUN(test_records);
	identity_rules_free(R);
	return t_done();
}
