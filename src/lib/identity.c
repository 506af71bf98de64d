/* identity.c — see identity.h. */
#include "identity.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#ifdef __x86_64__
#include <immintrin.h>
#endif
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * The names a claim can give: models and their makers. Each is a PCRE2
 * fragment and a literal that every match of the fragment holds (lower
 * case; the prefilter folds case), which is what the prefilter looks for.
 * Latin names stand between non-alphanumerics (ASCII lookarounds, as
 * Chinese and Japanese text runs names into the words around them); names
 * that are ordinary words in their small-letter form (Meta, Bard, Grok,
 * Falcon, Copilot, Bing) count capitalised only. The flags say what the
 * prefilter may demand of a literal: WS that it starts a word (no ASCII
 * letter or digit before it), WE that it ends one, EXACT its case; INNER
 * says the literal is inside the name, so its edges are no word's (WS then
 * bounds the name, in the pattern, only).
 */
enum { WS = 1, WE = 2, EXACT = 4, INNER = 8 };
static const struct { const char *re, *lit; int flags; } names[] = {
	{"chat\\s?gpt", "gpt", WS | INNER},   /* "chat" is a common word, "gpt" is not */
	{"gpt(?:-?(?:[2-5](?:\\.\\d)?|4o|o\\d?))?(?:-(?:turbo|mini))?", "gpt", WS},
	{"openai", "openai", WS|WE},
	{"claude(?:\\s+\\d(?:\\.\\d)?)?(?:\\s+(?:opus|sonnet|haiku|instant))?", "claude", WS|WE},
	{"anthropic", "anthropic", WS|WE},
	{"gemini", "gemini", WS|WE},
	{"(?-i:Bard)", "Bard", WS|WE|EXACT},
	{"google(?:\\s+(?:deepmind|ai|brain))?", "google", WS|WE},
	{"deepmind", "deepmind", WS|WE},
	{"(?:meta\\s+)?llama(?:\\s?-?\\d(?:\\.\\d)?)?", "llama", WS},
	{"(?-i:Meta)(?:\\s+AI)?", "Meta", WS|WE|EXACT},
	{"qwen(?:\\d(?:\\.\\d)?)?", "qwen", WS},
	{"tongyi(?:\\s+qianwen)?", "tongyi", WS|WE},
	{"alibaba(?:\\s+(?:cloud|group))?", "alibaba", WS|WE},
	{"deepseek", "deepseek", WS|WE},
	{"mistral(?:\\s+ai)?", "mistral", WS|WE},
	{"mixtral", "mixtral", WS|WE},
	{"olmo(?:\\s?-?\\d)?", "olmo", WS},
	{"tulu(?:\\s?-?\\d)?", "tulu", WS},
	{"t\xc3\xbclu(?:\\s?-?\\d)?", "t\xc3\xbclu", WS},
	{"ai2", "ai2", WS|WE},
	{"allen\\s+(?:institute|ai)", "allen", WS|WE},
	{"phi-?\\d(?:\\.\\d)?", "phi", WS},
	{"microsoft", "microsoft", WS|WE},
	{"(?-i:Grok)(?:\\s?-?\\d)?", "Grok", WS|EXACT},
	{"xai", "xai", WS|WE},
	{"x\\.ai", "x.ai", WS|WE},
	{"ernie bot", "ernie bot", WS|WE},
	{"baidu", "baidu", WS|WE},
	{"kimi", "kimi", WS|WE},
	{"moonshot\\s+ai", "moonshot", WS|WE},
	{"(?:chat)?glm(?:-?\\d)?", "glm", 0},
	{"zhipu(?:\\s+ai)?", "zhipu", WS|WE},
	{"01\\.ai", "01.ai", WS|WE},
	{"yi-(?:\\d|large|lightning)", "yi-", WS},
	{"cohere", "cohere", WS|WE},
	{"(?-i:Falcon)(?:-?\\d+B)?", "Falcon", WS|EXACT},
	{"vicuna", "vicuna", WS|WE},
	{"lmsys", "lmsys", WS|WE},
	{"inflection\\s+ai", "inflection", WS|WE},
	{"nemotron", "nemotron", WS|WE},
	{"nvidia", "nvidia", WS|WE},
	{"(?-i:Copilot)", "Copilot", WS|WE|EXACT},
	{"(?-i:Bing)(?:\\s+chat)?", "Bing", WS|WE|EXACT},
	{"hunyuan", "hunyuan", WS|WE},
	{"doubao", "doubao", WS|WE},
	{"bytedance", "bytedance", WS|WE},
	{"minimax", "minimax", WS|WE},
	{"yandex(?:gpt)?", "yandex", WS},
	{"gigachat", "gigachat", WS|WE},
	/* Chinese and Russian names */
	{"\xe9\x80\x9a\xe4\xb9\x89(?:\xe5\x8d\x83\xe9\x97\xae)?", "\xe9\x80\x9a\xe4\xb9\x89", 0},   /* 通义(千问) */
	{"\xe5\x8d\x83\xe9\x97\xae", "\xe5\x8d\x83\xe9\x97\xae", 0},                                /* 千问 */
	{"\xe9\x98\xbf\xe9\x87\x8c(?:\xe5\xb7\xb4\xe5\xb7\xb4|\xe4\xba\x91)?", "\xe9\x98\xbf\xe9\x87\x8c", 0}, /* 阿里(巴巴|云) */
	{"\xe6\xb7\xb1\xe5\xba\xa6\xe6\xb1\x82\xe7\xb4\xa2", "\xe6\xb7\xb1\xe5\xba\xa6\xe6\xb1\x82\xe7\xb4\xa2", 0}, /* 深度求索 */
	{"\xe6\x96\x87\xe5\xbf\x83(?:\xe4\xb8\x80\xe8\xa8\x80)?", "\xe6\x96\x87\xe5\xbf\x83", 0},   /* 文心(一言) */
	{"\xe7\x99\xbe\xe5\xba\xa6", "\xe7\x99\xbe\xe5\xba\xa6", 0},                                /* 百度 */
	{"\xe6\x99\xba\xe8\xb0\xb1", "\xe6\x99\xba\xe8\xb0\xb1", 0},                                /* 智谱 */
	{"\xe6\x9c\x88\xe4\xb9\x8b\xe6\x9a\x97\xe9\x9d\xa2", "\xe6\x9c\x88\xe4\xb9\x8b\xe6\x9a\x97\xe9\x9d\xa2", 0}, /* 月之暗面 */
	{"\xe9\x9b\xb6\xe4\xb8\x80\xe4\xb8\x87\xe7\x89\xa9", "\xe9\x9b\xb6\xe4\xb8\x80\xe4\xb8\x87\xe7\x89\xa9", 0}, /* 零一万物 */
	{"\xe6\xb7\xb7\xe5\x85\x83", "\xe6\xb7\xb7\xe5\x85\x83", 0},                                /* 混元 */
	{"\xe8\xb1\x86\xe5\x8c\x85", "\xe8\xb1\x86\xe5\x8c\x85", 0},                                /* 豆包 */
	{"\xe5\xad\x97\xe8\x8a\x82\xe8\xb7\xb3\xe5\x8a\xa8", "\xe5\xad\x97\xe8\x8a\x82\xe8\xb7\xb3\xe5\x8a\xa8", 0}, /* 字节跳动 */
	{"\xd0\xb3\xd0\xb8\xd0\xb3\xd0\xb0\xd1\x87\xd0\xb0\xd1\x82", "\xd0\xb3\xd0\xb8\xd0\xb3\xd0\xb0", 0},      /* гигачат */
	{"\xd1\x8f\xd0\xbd\xd0\xb4\xd0\xb5\xd0\xba\xd1\x81", "\xd0\xbd\xd0\xb4\xd0\xb5\xd0\xba", 0},       /* яндекс */
};
#define N_NAMES (sizeof names / sizeof names[0])

/*
 * The literals every knowledge_cutoff pattern holds one of (lower case,
 * UTF-8). A pattern added below must hold one of these, or a name: the
 * fuzz target and the unit test hold the patterns to that (a text they
 * match must pass the prefilter).
 */
static const char *const cutoff_lits[] = {
	/* en */
	"cutoff", "cut-off", "cut off", "my last ", "my latest ", "my most recent ", "final update", "final knowledge",
	"final training", "my knowledge", "my training", "my data", "my information", "trained on data",
	"trained on information", "trained up to", "trained to ", "trained until", "trained through", "trained till",
	"trained as of", "have information", "have any information", "have knowledge", "have any knowledge",
	"to information", "to any information", "to knowledge", "to any knowledge",
	/* es */
	"corte", "actualizaci", "entrenamiento", "conocimiento",
	/* fr */
	"coupure", "mise \xc3\xa0 jour", "entra\xc3\xaenement", "entrainement", "connaissance",
	/* de */
	"wissen", "kenntnisstand", "trainingsstand", "trainingsdaten", "stichtag", "aktualisierung",
	/* zh: 截止 截至 更新 训练 知识 */
	"\xe6\x88\xaa\xe6\xad\xa2", "\xe6\x88\xaa\xe8\x87\xb3", "\xe6\x9b\xb4\xe6\x96\xb0", "\xe8\xae\xad\xe7\xbb\x83",
	"\xe7\x9f\xa5\xe8\xaf\x86",
	/* ja: カットオフ 学習 トレーニング 訓練 知識 アップデート */
	"\xe3\x82\xab\xe3\x83\x83\xe3\x83\x88\xe3\x82\xaa\xe3\x83\x95", "\xe5\xad\xa6\xe7\xbf\x92",
	"\xe3\x83\x88\xe3\x83\xac\xe3\x83\xbc\xe3\x83\x8b\xe3\x83\xb3\xe3\x82\xb0", "\xe8\xa8\x93\xe7\xb7\xb4",
	"\xe7\x9f\xa5\xe8\xad\x98", "\xe3\x82\xa2\xe3\x83\x83\xe3\x83\x97\xe3\x83\x87\xe3\x83\xbc\xe3\x83\x88",
	/* ru: знани данн обновлени моего (letters of а-п only: the fold maps
	 * their capitals, not those of р-я, whose UTF-8 differs by more than a bit) */
	"\xd0\xb7\xd0\xbd\xd0\xb0\xd0\xbd\xd0\xb8", "\xd0\xb4\xd0\xb0\xd0\xbd\xd0\xbd",
	"\xd0\xbe\xd0\xb1\xd0\xbd\xd0\xbe\xd0\xb2\xd0\xbb\xd0\xb5\xd0\xbd\xd0\xb8",
	"\xd0\xbc\xd0\xbe\xd0\xb5\xd0\xb3\xd0\xbe",
};
#define N_CUTOFF_LITS (sizeof cutoff_lits / sizeof cutoff_lits[0])

/* Month names, for the cut-off dates */
#define EN_MONTH "(?:January|February|March|April|May|June|July|August|September|October|November|December)"
#define ES_MONTH "(?:enero|febrero|marzo|abril|mayo|junio|julio|agosto|sep?tiembre|octubre|noviembre|diciembre)"
/* a stretch of one sentence (no full stop, question or exclamation mark, newline) */
#define ZH_GAP(n) "[^\xe3\x80\x82\xef\xbc\x81\xef\xbc\x9f!?\\n]{0," #n "}?"
/* the same without the particles が は を と or a comma (、), which would make
 * what follows another clause: 私はChatGPTがOpenAIによって... is about ChatGPT */
#define JA_GAP(n) "(?:(?![\xe3\x81\x8c\xe3\x81\xaf\xe3\x82\x92\xe3\x81\xa8\xe3\x80\x81])[^\xe3\x80\x82\xef\xbc\x81\xef\xbc\x9f!?\\n]){0," #n "}?"
#define RU_W "[\\w\xd0\x80-\xd3\xbf-]"
/* a word between "I am" and what it is, that is not one of a negation, a
 * clause or a preposition ("I'm not", "I was told that", "a fan of") */
#define EN_GAP "(?:(?!(?:not|never|no|that|which|who|it|they|he|she|is|was|were|are|and|but|because|when|if|what|how|" \
	"told|asked|wondering|sure|aware|familiar|curious|impressed|of|with|about|using|use|for|in|on|to|from|like|" \
	"love|reading|talking|comparing|working|fan)\\b)[\\w-]+,?\\s+)"

/*
 * The claims: first-person patterns per language, {N} standing for the
 * names. reason 'i' is foreign_identity, 'n' the same for the patterns that
 * start with the name (matched only at names), 'c' knowledge_cutoff.
 * Caseless, Unicode (PCRE2_UTF | PCRE2_UCP), and matched on decoded text.
 */
static const struct { char reason; const char *lang, *re; } claims[] = {
	/* en: I am ChatGPT / my name is Claude / I'm an AI assistant called Qwen */
	{'i', "en", "\\b(?:I\\s+am|I'm|I\xe2\x80\x99m|my\\s+name\\s+is|(?:you\\s+can\\s+)?call\\s+me|I\\s+go\\s+by)\\s+(?:(?:an?|the)\\s+)?"
	            "(?:" EN_GAP "{0,4}?(?:called|named|known\\s+as)\\s+)?{N}"},
	/* en: I was created by OpenAI / I'm a language model trained by Google */
	{'i', "en", "\\b(?:I\\s+(?:was|am|have\\s+been)|I'm|I\xe2\x80\x99m|I've\\s+been|I\xe2\x80\x99ve\\s+been)\\s+"
	            EN_GAP "{0,6}?"
	            "(?:created|developed|trained|built|made|designed|programmed|fine-?tuned|engineered|released|produced|"
	            "owned|maintained|powered|brought\\s+to\\s+you)\\s+by\\s+"
	            "(?:(?:the\\s+)?(?:team|researchers|engineers|folks|people)\\s+(?:at|of)\\s+)?(?:the\\s+)?{N}"},
	/* en: As an AI language model developed by OpenAI / as a model from Meta */
	{'i', "en", "\\bas(?<!such as)\\s+(?:an?\\s+)?(?:(?:large\\s+)?(?:AI|artificial\\s+intelligence|language)(?:[\\s-]+(?:language|based))?"
	            "(?:\\s+(?:model|assistant|chatbot|system|program))?|(?:language\\s+)?model|assistant|chatbot)\\s*,?\\s+"
	            "(?:(?:developed|created|trained|built|made|designed|powered)\\s+by|from|by)\\s+(?:the\\s+)?{N}"},
	/* en: As ChatGPT, I ... */
	{'i', "en", "\\bas\\s+{N}\\s*,\\s*(?:I|my)\\b"},
	/* en: I'm based on GPT-4 / I am a fine-tuned version of Llama */
	{'i', "en", "\\b(?:I\\s+am|I'm|I\xe2\x80\x99m)\\s+(?:(?:an?|the)\\s+)?" EN_GAP "{0,3}?"
	            "(?:based\\s+on|powered\\s+by|built\\s+on(?:\\s+top\\s+of)?|a\\s+version\\s+of|an?\\s+instance\\s+of|"
	            "a\\s+variant\\s+of|a\\s+fine-?tuned\\s+version\\s+of|derived\\s+from)\\s+(?:the\\s+)?{N}"},
	/* en: my creators are the team at Anthropic / my underlying model is GPT-4 */
	{'i', "en", "\\bmy\\s+(?:creators?|developers?|makers?|underlying\\s+(?:language\\s+)?model|base\\s+model|parent\\s+company)"
	            "\\s+(?:is|are|was|were)\\s+(?:(?:the\\s+)?(?:team|researchers|engineers)\\s+at\\s+)?(?:the\\s+)?{N}"},
	/* en: OpenAI created me */
	{'n', "en", "{N}\\s+(?:(?:has|had)\\s+)?(?:created|developed|trained|built|designed|programmed|fine-?tuned)\\s+me\\b"},
	/* es: soy ChatGPT / me llamo Claude / fui creado por OpenAI / como modelo de lenguaje desarrollado por Google */
	{'i', "es", "\\b(?:soy|me\\s+llamo|mi\\s+nombre\\s+es)\\s+(?:(?:un|una|el|la)\\s+)?"
	            "(?:(?:[\\w-]+\\s+){0,4}?(?:llamad[oa]|denominad[oa]|conocid[oa]\\s+como)\\s+)?{N}"},
	{'i', "es", "\\b(?:fui|he\\s+sido|soy)\\s+(?:(?!(?:no|que|ella|ellos)\\b)[\\w-]+,?\\s+){0,6}?"
	            "(?:cread|desarrollad|entrenad|construid|dise\xc3\xb1" "ad|programad|hech)[oa]s?\\s+por\\s+"
	            "(?:(?:el\\s+)?equipo\\s+de\\s+)?{N}"},
	{'i', "es", "\\bsoy\\s+(?:un|una)\\s+(?:modelo\\s+de\\s+lenguaje|asistente(?:\\s+de\\s+IA)?|IA|chatbot)\\s+de\\s+{N}"},
	{'i', "es", "\\bcomo\\s+(?:un\\s+|una\\s+)?(?:modelo\\s+de\\s+lenguaje|asistente(?:\\s+virtual)?|IA|inteligencia\\s+artificial)"
	            "(?:\\s+de\\s+IA)?\\s*,?\\s+(?:(?:desarrollad|cread|entrenad|dise\xc3\xb1" "ad)[oa]\\s+por|de)\\s+{N}"},
	/* fr: je suis ChatGPT / j'ai été créé par OpenAI / en tant que modèle de langage développé par Google */
	{'i', "fr", "\\b(?:je\\s+suis|je\\s+m['\xe2\x80\x99]appelle|mon\\s+nom\\s+est|on\\s+m['\xe2\x80\x99]appelle)\\s+(?:(?:un|une|le|la)\\s+)?"
	            "(?:(?:[\\w'\xe2\x80\x99-]+\\s+){0,4}?(?:appel\xc3\xa9" "e?|nomm\xc3\xa9" "e?)\\s+)?{N}"},
	{'i', "fr", "\\b(?:j['\xe2\x80\x99]ai\\s+\xc3\xa9t\xc3\xa9|je\\s+suis|je\\s+fus)\\s+(?:(?!(?:pas|ne|que|qui)\\b)[\\w'\xe2\x80\x99-]+,?\\s+){0,6}?"
	            "(?:cr\xc3\xa9\xc3\xa9|d\xc3\xa9velopp\xc3\xa9|entra\xc3\xaen\xc3\xa9|entrain\xc3\xa9|con\xc3\xa7u|form\xc3\xa9|programm\xc3\xa9|construit)e?s?"
	            "\\s+par\\s+(?:l['\xe2\x80\x99]\xc3\xa9quipe\\s+d(?:e\\s+|['\xe2\x80\x99]))?{N}"},
	{'i', "fr", "\\bje\\s+suis\\s+(?:un|une)\\s+(?:mod\xc3\xa8le\\s+de\\s+langage|assistant(?:\\s+IA)?|IA|chatbot)\\s+(?:de\\s+|d['\xe2\x80\x99])\\s*{N}"},
	{'i', "fr", "\\ben\\s+tant\\s+qu(?:e\\s+|['\xe2\x80\x99])\\s*(?:un\\s+|une\\s+)?(?:mod\xc3\xa8le\\s+de\\s+langage|assistant|IA|intelligence\\s+artificielle)"
	            "(?:\\s+(?:IA|d['\xe2\x80\x99]IA))?\\s*,?\\s+(?:(?:d\xc3\xa9velopp\xc3\xa9|cr\xc3\xa9\xc3\xa9|entra\xc3\xaen\xc3\xa9|con\xc3\xa7u)e?\\s+par\\s+|de\\s+|d['\xe2\x80\x99])\\s*{N}"},
	/* de: ich bin ChatGPT / ich wurde von OpenAI entwickelt / als Sprachmodell von Google */
	{'i', "de", "\\b(?:ich\\s+bin|ich\\s+hei(?:\xc3\x9f|ss)e|mein\\s+Name\\s+ist|man\\s+nennt\\s+mich)\\s+(?:(?:ein|eine|der|die)\\s+)?"
	            "(?:(?:[\\w-]+\\s+){0,4}?(?:namens|genannt)\\s+)?{N}"},
	{'i', "de", "\\bich\\s+(?:wurde|bin)\\s+(?:(?!(?:nicht|kein|keine|dass)\\b)[\\w-]+,?\\s+){0,6}?von\\s+"
	            "(?:(?:dem\\s+|einem\\s+)?Team\\s+(?:von|bei)\\s+)?{N}\\s+(?:[\\w-]+\\s+){0,3}?"
	            "(?:entwickelt|erstellt|trainiert|geschaffen|gebaut|programmiert|entworfen|erschaffen)"},
	{'i', "de", "\\bals\\s+(?:ein\\s+|eine\\s+)?(?:KI-)?(?:Sprachmodell|KI|KI-Assistent|Assistent|Chatbot)(?:\\s+[\\w-]+){0,2}?\\s+von\\s+{N}"},
	{'i', "de", "\\bals\\s+(?:ein|eine)\\s+von\\s+{N}\\s+(?:entwickelte|trainierte|erstellte|geschaffene)s?"},
	/* zh: 我是ChatGPT / 我是由OpenAI开发的 / 作为一个由OpenAI训练的语言模型 */
	{'i', "zh", "\xe6\x88\x91(?:\xe6\x98\xaf|\xe5\x8f\xab|\xe5\x90\x8d\xe5\x8f\xab|\xe7\x9a\x84\xe5\x90\x8d\xe5\xad\x97(?:\xe6\x98\xaf|\xe5\x8f\xab))\\s*"
	            "(?:\xe4\xb8\x80\xe4\xb8\xaa|\xe4\xb8\x80\xe6\xac\xbe|\xe4\xb8\x80\xe5\x90\x8d)?\\s*(?:\xe5\x90\x8d\xe4\xb8\xba|\xe5\x8f\xab\xe5\x81\x9a?)?\\s*{N}"},
	{'i', "zh", "\xe6\x88\x91(?:\xe6\x98\xaf|\xe7\x94\xb1)" ZH_GAP(12) "\xe7\x94\xb1?\\s*{N}\\s*(?:\xe5\x85\xac\xe5\x8f\xb8|\xe5\x9b\xa2\xe9\x98\x9f)?" ZH_GAP(6)
	            "(?:\xe5\xbc\x80\xe5\x8f\x91|\xe5\x88\x9b\xe5\xbb\xba|\xe8\xae\xad\xe7\xbb\x83|\xe6\x89\x93\xe9\x80\xa0|\xe7\xa0\x94\xe5\x8f\x91|"
	            "\xe6\x8e\xa8\xe5\x87\xba|\xe8\xae\xbe\xe8\xae\xa1|\xe5\x88\x9b\xe9\x80\xa0|\xe6\x9e\x84\xe5\xbb\xba)"},
	{'i', "zh", "\xe4\xbd\x9c\xe4\xb8\xba(?:\xe4\xb8\x80\xe4\xb8\xaa|\xe4\xb8\x80\xe6\xac\xbe|\xe4\xb8\x80\xe5\x90\x8d)?\\s*\xe7\x94\xb1\\s*{N}" ZH_GAP(8)
	            "(?:\xe5\xbc\x80\xe5\x8f\x91|\xe8\xae\xad\xe7\xbb\x83|\xe5\x88\x9b\xe5\xbb\xba|\xe6\x89\x93\xe9\x80\xa0|\xe7\xa0\x94\xe5\x8f\x91)"},
	{'i', "zh", "\xe4\xbd\x9c\xe4\xb8\xba\\s*{N}\\s*[\xef\xbc\x8c,]\\s*\xe6\x88\x91"},
	/* ja: 私はChatGPTです / 私はOpenAIによって開発された / OpenAIによって開発されたAIとして */
	{'i', "ja", "(?:\xe7\xa7\x81|\xe3\x82\x8f\xe3\x81\x9f\xe3\x81\x97|\xe5\x83\x95|\xe3\x82\x8f\xe3\x81\x9f\xe3\x81\x8f\xe3\x81\x97)"
	            "(?:\xe3\x81\xaf|\xe3\x81\xae\xe5\x90\x8d\xe5\x89\x8d\xe3\x81\xaf)\\s*{N}\\s*"
	            "(?:\xe3\x81\xa7\xe3\x81\x99|\xe3\x81\xa0|\xe3\x81\xa8\xe7\x94\xb3\xe3\x81\x97\xe3\x81\xbe\xe3\x81\x99|"
	            "\xe3\x81\xa8\xe3\x81\x84\xe3\x81\x86|\xe3\x80\x81|\xe3\x80\x82|[,.!]|$)"},
	{'i', "ja", "(?:\xe7\xa7\x81|\xe3\x82\x8f\xe3\x81\x9f\xe3\x81\x97|\xe5\x83\x95)\xe3\x81\xaf" JA_GAP(16) "{N}\\s*\xe3\x81\xab\xe3\x82\x88\xe3\x81\xa3\xe3\x81\xa6" ZH_GAP(12)
	            "(?:\xe9\x96\x8b\xe7\x99\xba|\xe4\xbd\x9c\xe6\x88\x90|\xe8\xa8\x93\xe7\xb7\xb4|\xe3\x83\x88\xe3\x83\xac\xe3\x83\xbc\xe3\x83\x8b\xe3\x83\xb3\xe3\x82\xb0|"
	            "\xe6\xa7\x8b\xe7\xaf\x89|\xe4\xbd\x9c\xe3\x82\x89|\xe8\xa8\xad\xe8\xa8\x88|\xe5\xad\xa6\xe7\xbf\x92)"},
	{'n', "ja", "{N}\\s*(?:\xe3\x81\xab\xe3\x82\x88\xe3\x81\xa3\xe3\x81\xa6|\xe3\x81\x8c)\\s*(?:\xe9\x96\x8b\xe7\x99\xba|\xe4\xbd\x9c\xe6\x88\x90|\xe8\xa8\x93\xe7\xb7\xb4|"
	            "\xe3\x83\x88\xe3\x83\xac\xe3\x83\xbc\xe3\x83\x8b\xe3\x83\xb3\xe3\x82\xb0|\xe6\xa7\x8b\xe7\xaf\x89|\xe8\xa8\xad\xe8\xa8\x88)"
	            "(?:\xe3\x81\x95\xe3\x82\x8c\xe3\x81\x9f|\xe3\x81\x97\xe3\x81\x9f)" ZH_GAP(16) "\xe3\x81\xa8\xe3\x81\x97\xe3\x81\xa6"},
	/* ru: я — ChatGPT / меня зовут Claude / я языковая модель, разработанная OpenAI / как ИИ, созданный Google */
	{'i', "ru", "(?:\\b\xd1\x8f|\\b\xd0\xbc\xd0\xb5\xd0\xbd\xd1\x8f\\s+\xd0\xb7\xd0\xbe\xd0\xb2\xd1\x83\xd1\x82|\\b\xd0\xbc\xd0\xbe[\xd0\xb5\xd1\x91]\\s+\xd0\xb8\xd0\xbc\xd1\x8f)"
	            "\\s*(?:[\xe2\x80\x94\xe2\x80\x93-]\\s*|\xd1\x8d\xd1\x82\xd0\xbe\\s+)?{N}"},
	{'i', "ru", "\\b\xd1\x8f\\b(?:(?!\\b(?:\xd0\xbd\xd0\xb5|\xd1\x87\xd1\x82\xd0\xbe|\xd0\xba\xd0\xb0\xd0\xba|\xd0\xba\xd0\xbe\xd0\xb3\xd0\xb4\xd0\xb0|\xd0\xb5\xd1\x81\xd0\xbb\xd0\xb8)\\b)[^.!?\\n]){0,60}?"
	            "(?:\xd1\x81\xd0\xbe\xd0\xb7\xd0\xb4\xd0\xb0\xd0\xbd|\xd1\x80\xd0\xb0\xd0\xb7\xd1\x80\xd0\xb0\xd0\xb1\xd0\xbe\xd1\x82\xd0\xb0\xd0\xbd|"
	            "\xd0\xbe\xd0\xb1\xd1\x83\xd1\x87\xd0\xb5\xd0\xbd|\xd0\xbd\xd0\xb0\xd1\x82\xd1\x80\xd0\xb5\xd0\xbd\xd0\xb8\xd1\x80\xd0\xbe\xd0\xb2\xd0\xb0\xd0\xbd|"
	            "\xd1\x81\xd0\xb4\xd0\xb5\xd0\xbb\xd0\xb0\xd0\xbd|\xd0\xbf\xd0\xbe\xd1\x81\xd1\x82\xd1\x80\xd0\xbe\xd0\xb5\xd0\xbd)" RU_W "*\\s+"
	            "(?:(?:\xd0\xba\xd0\xbe\xd0\xbc\xd0\xbf\xd0\xb0\xd0\xbd\xd0\xb8\xd0\xb5\xd0\xb9|\xd0\xba\xd0\xbe\xd0\xbc\xd0\xb0\xd0\xbd\xd0\xb4\xd0\xbe\xd0\xb9|\xd0\xb2)\\s+)?{N}"},
	{'i', "ru", "\\b\xd0\xba\xd0\xb0\xd0\xba\\s+(?:\xd1\x8f\xd0\xb7\xd1\x8b\xd0\xba\xd0\xbe\xd0\xb2\xd0\xb0\xd1\x8f\\s+\xd0\xbc\xd0\xbe\xd0\xb4\xd0\xb5\xd0\xbb\xd1\x8c|"
	            "\xd0\xbc\xd0\xbe\xd0\xb4\xd0\xb5\xd0\xbb\xd1\x8c|\xd0\x98\xd0\x98|\xd0\xb8\xd1\x81\xd0\xba\xd1\x83\xd1\x81\xd1\x81\xd1\x82\xd0\xb2\xd0\xb5\xd0\xbd\xd0\xbd\xd1\x8b\xd0\xb9\\s+\xd0\xb8\xd0\xbd\xd1\x82\xd0\xb5\xd0\xbb\xd0\xbb\xd0\xb5\xd0\xba\xd1\x82|"
	            "\xd0\xb0\xd1\x81\xd1\x81\xd0\xb8\xd1\x81\xd1\x82\xd0\xb5\xd0\xbd\xd1\x82)[^.!?\\n]{0,30}?"
	            "(?:\xd1\x81\xd0\xbe\xd0\xb7\xd0\xb4\xd0\xb0\xd0\xbd\xd0\xbd|\xd1\x80\xd0\xb0\xd0\xb7\xd1\x80\xd0\xb0\xd0\xb1\xd0\xbe\xd1\x82\xd0\xb0\xd0\xbd\xd0\xbd|\xd0\xbe\xd0\xb1\xd1\x83\xd1\x87\xd0\xb5\xd0\xbd\xd0\xbd)"
	            RU_W "*\\s+(?:\xd0\xba\xd0\xbe\xd0\xbc\xd0\xbf\xd0\xb0\xd0\xbd\xd0\xb8\xd0\xb5\xd0\xb9\\s+)?{N}"},

	/* en cut-off: my knowledge cutoff / as of my last update / my training data goes up to / I was trained up to 2023 */
	{'c', "en", "\\bmy\\s+(?:(?:knowledge|training)(?:\\s+data)?|data|information)(?:\\s+base)?\\s*(?:cutoff|cut-off|cut off)"},
	{'c', "en", "\\b(?:as\\s+of|since|after|beyond|past|until|up\\s+to|at\\s+the\\s+time\\s+of|based\\s+on)\\s+"
	            "my (?:(?:last|latest|most recent|final) (?:(?:knowledge|training(?: data)?) )?(?:update|training)|"
	            "(?:knowledge|training(?: data)?) (?:cutoff|cut-off|cut off|update))"},
	{'c', "en", "\\bmy (?:training(?: data)?|knowledge(?: base)?|data|information)\\s+(?:(?:is|was)\\s+)?(?:only\\s+)?"
	            "(?:goes|extends|runs|current|limited|last\\s+updated|up\\s+to\\s+date|covers|stops|ends)\\s+"
	            "(?:up\\s+)?(?:to|until|through|till|as\\s+of|at|in)\\b"},
	{'c', "en", "\\bI\\s+(?:was|have\\s+been|am)\\s+(?:last\\s+|only\\s+)?trained (?:on (?:data|information) )?"
	            "(?:up )?(?:to|until|through|till|as of) (?:(?:early|mid|late|the\\s+end\\s+of)\\s+)?(?:" EN_MONTH "\\s+)?(?:of\\s+)?(?:19|20)\\d\\d"},
	{'c', "en", "\\bI\\s+(?:do\\s+not|don't|don\xe2\x80\x99t|cannot|can't|can\xe2\x80\x99t)\\s+have (?:access to )?(?:any )?"
	            "(?:information|knowledge)\\s+(?:(?:about|on)\\s+(?:events\\s+)?)?(?:that\\s+(?:occurred|happened)\\s+)?"
	            "(?:after|beyond|past|since)\\s+(?:(?:early|mid|late)\\s+)?(?:" EN_MONTH "\\s+)?(?:19|20)\\d\\d"},
	/* es: mi fecha de corte / hasta mi última actualización / mis datos de entrenamiento llegan hasta 2023 */
	{'c', "es", "\\bmi\\s+(?:fecha\\s+(?:de\\s+)?corte|corte\\s+de\\s+(?:conocimiento|datos|entrenamiento))"},
	{'c', "es", "\\b(?:hasta|desde|seg\xc3\xban|a\\s+partir\\s+de|despu\xc3\xa9s\\s+de)\\s+mi\\s+(?:\xc3\xbaltima\\s+)?"
	            "(?:actualizaci\xc3\xb3n|fecha\\s+de\\s+corte|entrenamiento|corte)"},
	{'c', "es", "\\bmis?\\s+(?:datos\\s+de\\s+entrenamiento|conocimientos?)\\s+(?:[\\w]+\\s+){0,4}?(?:hasta|a\\s+fecha\\s+de)\\s+"
	            "(?:" ES_MONTH "\\s+(?:de\\s+|del\\s+)?)?(?:19|20)\\d\\d"},
	/* fr: ma date de coupure / depuis ma dernière mise à jour / mes connaissances s'arrêtent en 2023 */
	{'c', "fr", "\\bma\\s+date\\s+(?:de\\s+coupure|limite\\s+de\\s+connaissances?)"},
	{'c', "fr", "\\b(?:depuis|jusqu['\xe2\x80\x99]\xc3\xa0|\xc3\xa0\\s+la\\s+date\\s+de|lors\\s+de|selon|apr\xc3\xa8s)\\s+ma\\s+(?:derni\xc3\xa8re\\s+)?"
	            "(?:mise \xc3\xa0 jour|date\\s+de\\s+coupure|coupure|(?:p\xc3\xa9riode\\s+d['\xe2\x80\x99])?entra[\xc3\xaei]nement)"},
	{'c', "fr", "\\bmes\\s+(?:donn\xc3\xa9" "es\\s+d['\xe2\x80\x99]entra[\xc3\xaei]nement|connaissances)\\s+(?:[\\w'\xe2\x80\x99]+\\s+){0,4}?"
	            "(?:jusqu|s['\xe2\x80\x99]arr\xc3\xaatent|datent|remontent)"},
	/* de: mein Wissensstand / mein Wissen reicht bis / meine Trainingsdaten reichen bis / seit meiner letzten Aktualisierung */
	{'c', "de", "\\bmeine?\\s+(?:Wissensstand|Kenntnisstand|Trainingsstand|Wissensstichtag|Stichtag|Wissensgrenze)\\b"},
	{'c', "de", "\\bmein\\s+Wissen\\s+(?:reicht|endet|geht)\\b"},
	{'c', "de", "\\bmeine\\s+Trainingsdaten\\s+(?:[\\w]+\\s+){0,4}?(?:bis|reichen|enden)\\b"},
	{'c', "de", "\\b(?:Stand|seit|nach|bis\\s+zu)\\s+meine[rms]?\\s+(?:letzten\\s+)?(?:Aktualisierung|Wissensstand)"},
	/* zh: 我的知识截止到2023年 / 截至我最后一次更新 */
	{'c', "zh", "\xe6\x88\x91\xe7\x9a\x84(?:\xe7\x9f\xa5\xe8\xaf\x86|\xe8\xae\xad\xe7\xbb\x83)" ZH_GAP(10)
	            "(?:\xe6\x88\xaa\xe6\xad\xa2|\xe6\x88\xaa\xe8\x87\xb3|\xe6\x9b\xb4\xe6\x96\xb0\xe5\x88\xb0|\xe6\x9b\xb4\xe6\x96\xb0\xe8\x87\xb3|"
	            "\xe5\x81\x9c\xe7\x95\x99\xe5\x9c\xa8|\xe5\x8f\xaa\xe5\x88\xb0|\xe4\xbb\x85\xe5\x88\xb0)"},
	{'c', "zh", "(?:\xe6\x88\xaa\xe8\x87\xb3|\xe6\x88\xaa\xe6\xad\xa2\xe5\x88\xb0?|\xe6\xa0\xb9\xe6\x8d\xae)\xe6\x88\x91(?:\xe7\x9a\x84)?"
	            "(?:\xe6\x9c\x80\xe5\x90\x8e\xe4\xb8\x80\xe6\xac\xa1|\xe4\xb8\x8a\xe6\xac\xa1|\xe6\x9c\x80\xe8\xbf\x91\xe4\xb8\x80\xe6\xac\xa1)?(?:\xe7\x9f\xa5\xe8\xaf\x86)?"
	            "(?:\xe6\x9b\xb4\xe6\x96\xb0|\xe8\xae\xad\xe7\xbb\x83)"},
	/* ja: 私の知識は2023年までです / 私の学習データのカットオフ */
	{'c', "ja", "(?:\xe7\xa7\x81|\xe3\x82\x8f\xe3\x81\x9f\xe3\x81\x97|\xe5\x83\x95)\xe3\x81\xae(?:\xe7\x9f\xa5\xe8\xad\x98|\xe5\xad\xa6\xe7\xbf\x92|"
	            "\xe3\x83\x88\xe3\x83\xac\xe3\x83\xbc\xe3\x83\x8b\xe3\x83\xb3\xe3\x82\xb0|\xe8\xa8\x93\xe7\xb7\xb4)" ZH_GAP(16)
	            "(?:\xe3\x81\xbe\xe3\x81\xa7|\xe3\x82\xab\xe3\x83\x83\xe3\x83\x88\xe3\x82\xaa\xe3\x83\x95|\xe6\x99\x82\xe7\x82\xb9)"},
	{'c', "ja", "(?:\xe7\xa7\x81|\xe3\x82\x8f\xe3\x81\x9f\xe3\x81\x97)\xe3\x81\xae(?:\xe6\x9c\x80\xe5\xbe\x8c\xe3\x81\xae|\xe6\x9c\x80\xe6\x96\xb0\xe3\x81\xae)?"
	            "\xe3\x82\xa2\xe3\x83\x83\xe3\x83\x97\xe3\x83\x87\xe3\x83\xbc\xe3\x83\x88"},
	/* ru: мои знания ограничены 2021 годом / дата отсечения моих знаний / на момент моего последнего обновления */
	{'c', "ru", "\\b\xd0\xbc\xd0\xbe(?:\xd0\xb8|\xd1\x91|\xd0\xb5|\xd1\x8f)\\s+(?:\xd0\xb7\xd0\xbd\xd0\xb0\xd0\xbd\xd0\xb8\xd1\x8f|"
	            "\xd0\xb4\xd0\xb0\xd0\xbd\xd0\xbd\xd1\x8b\xd0\xb5(?:\\s+\xd0\xb4\xd0\xbb\xd1\x8f\\s+\xd0\xbe\xd0\xb1\xd1\x83\xd1\x87\xd0\xb5\xd0\xbd\xd0\xb8\xd1\x8f)?|"
	            "\xd0\xbe\xd0\xb1\xd1\x83\xd1\x87\xd0\xb0\xd1\x8e\xd1\x89\xd0\xb8\xd0\xb5\\s+\xd0\xb4\xd0\xb0\xd0\xbd\xd0\xbd\xd1\x8b\xd0\xb5)\\s+(?:" RU_W "+\\s+){0,4}?"
	            "(?:\xd0\xb4\xd0\xbe|\xd0\xbf\xd0\xbe\\s+\xd1\x81\xd0\xbe\xd1\x81\xd1\x82\xd0\xbe\xd1\x8f\xd0\xbd\xd0\xb8\xd1\x8e\\s+\xd0\xbd\xd0\xb0|"
	            "\xd0\xb7\xd0\xb0\xd0\xba\xd0\xb0\xd0\xbd\xd1\x87\xd0\xb8\xd0\xb2\xd0\xb0\xd1\x8e\xd1\x82\xd1\x81\xd1\x8f|\xd0\xbe\xd0\xb3\xd1\x80\xd0\xb0\xd0\xbd\xd0\xb8\xd1\x87\xd0\xb5\xd0\xbd\xd1\x8b)"
	            "(?!" RU_W ")"},
	{'c', "ru", "(?:\\b\xd0\xbc\xd0\xbe(?:\xd1\x8f|\xd0\xb5\xd0\xb9)\\s+(?:\xd0\xb4\xd0\xb0\xd1\x82[\xd0\xb0\xd1\x8b]\\s+)?|\\b)"
	            "(?:\xd0\xbe\xd1\x82\xd1\x81\xd0\xb5\xd1\x87\xd0\xb5\xd0\xbd\xd0\xb8\xd1\x8f|\xd1\x81\xd1\x80\xd0\xb5\xd0\xb7\xd0\xb0)\\s+"
	            "\xd0\xbc\xd0\xbe\xd0\xb8\xd1\x85\\s+(?:\xd0\xb7\xd0\xbd\xd0\xb0\xd0\xbd\xd0\xb8\xd0\xb9|\xd0\xb4\xd0\xb0\xd0\xbd\xd0\xbd\xd1\x8b\xd1\x85)"},
	{'c', "ru", "\\b\xd0\xbd\xd0\xb0\\s+\xd0\xbc\xd0\xbe\xd0\xbc\xd0\xb5\xd0\xbd\xd1\x82\\s+\xd0\xbc\xd0\xbe\xd0\xb5\xd0\xb3\xd0\xbe\\s+"
	            "(?:\xd0\xbf\xd0\xbe\xd1\x81\xd0\xbb\xd0\xb5\xd0\xb4\xd0\xbd\xd0\xb5\xd0\xb3\xd0\xbe\\s+)?"
	            "(?:\xd0\xbe\xd0\xb1\xd0\xbd\xd0\xbe\xd0\xb2\xd0\xbb\xd0\xb5\xd0\xbd\xd0\xb8\xd1\x8f|\xd0\xbe\xd0\xb1\xd1\x83\xd1\x87\xd0\xb5\xd0\xbd\xd0\xb8\xd1\x8f)"},
};
#define N_CLAIMS (sizeof claims / sizeof claims[0])

/*
 * The prefilter: a byte set for the hash of three bytes of every literal
 * (its anchor, the rarest three) (case-folded: each byte | 0x20, which maps ASCII capitals to small
 * letters and Cyrillic А-П to а-п), and per bucket the literals that hash
 * there. A position whose three bytes hash to a clear entry is the anchor
 * of no literal. The text is read 8 bytes at a time, 6 positions per load.
 */
#define PF_BITS 15
#define PF_BUCKETS 1024
#define N_LITS (N_NAMES + N_CUTOFF_LITS)

struct identity_rules {
	/* the identity claims, those that start with the name, the cut-offs;
	 * compiled anchored (re[3 + k]) for the candidates, as JIT code runs
	 * only the anchoring a pattern was compiled with */
	pcre2_code *re[6];
	/* the pairs of bytes a match of re[k] can start with: bit b1 of
	 * start2[k][b0] (pf_starts) */
	uint64_t start2[3][256][4];
	uint8_t set[1u << PF_BITS];
	struct { const char *lit; uint16_t len, next; uint8_t flags, class, anchor; } lits[N_LITS];
	uint16_t head[PF_BUCKETS];   /* index + 1 into lits, 0 for none */
	/* the anchors in 16 groups, for each of their three bytes a table from
	 * its low and one from its high nibble to the groups that allow it:
	 * groups 0-7 in [0], 8-15 in [1] (scan_avx2) */
	uint8_t glo[2][3][16], ghi[2][3][16];
	/* the non-ASCII characters of the literals (folded): bit f0 << 8 | f1
	 * of lit2[0] for a 2-byte one, bit esc_hash of lit3[0] for a longer one;
	 * lit2[1] and lit3[1] the same for those that end their literal, the
	 * only ones a longer text character can begin like (escape_hides) */
	uint64_t lit2[2][1024], lit3[2][1024];
	uint64_t hides[1024];   /* hides_table */
};

static inline uint32_t pf_hash(uint32_t w) { return (w * 0x9E3779B1u) >> (32 - PF_BITS); }
static inline uint32_t fold3(const unsigned char *p) { return ((uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16) | 0x202020u; }

/* How common a byte is in English text and code, roughly (per mille; letters
 * by their frequency in English, the space most of all): a literal is
 * hashed by its rarest three bytes, so that the positions the scan must
 * look at twice are few. */
static int byte_freq(unsigned char c)
{
	static const unsigned char letters[26] = {82, 15, 28, 43, 127, 22, 20, 61, 70, 2, 8, 40, 24,
	                                          67, 75, 19, 1, 60, 63, 91, 28, 10, 24, 2, 20, 1};
	c |= 0x20;
	if (c >= 'a' && c <= 'z') return letters[c - 'a'];
	if (c == ' ') return 300;
	return 5;
}

/* trigrams far more common than their letters say (English words, and the
 * bench's and the corpus's own) */
static const char common3[] = "ain ali all and are ata ate ati ave com con cti dat ear ect ens ent ere ers ess est eve "
                              "fin for hat hav her his ica ich ill ine inf ing int ion ist ith iti ive ken len lle men "
                              "met nam nce nde not nvi one ons ope orm ort our pen per pro rai ran rat rea res sta str "
                              "ted ter tha the thi til tio tra ver vid was wit any";

/* The bytes an anchor starts with where it can (folded): the rarer letters,
 * digits, and the lead bytes of multi-byte characters. */
static int rare_start(unsigned char c)
{
	c |= 0x20;
	return (c >= '0' && c <= '9') || c >= 0xE0 || (c >= 'a' && c <= 'z' && strchr("bcdfgjklmpquvwxyz", c));
}

/* the offset of lit's anchor: its rarest three bytes, preferring those that
 * start with a rare_start byte */
static int rarest_window(const char *lit)
{
	size_t l = strlen(lit);
	int best = 0;
	double bs = 1e30;
	for (size_t o = 0; o + 3 <= l; o++) {
		double sc = 1;
		char t[4] = {(char)(lit[o] | 0x20), (char)(lit[o + 1] | 0x20), (char)(lit[o + 2] | 0x20), 0};
		for (int j = 0; j < 3; j++) sc *= byte_freq((unsigned char)lit[o + (size_t)j]);
		if (strstr(common3, t)) sc *= 1000;
		if (!rare_start((unsigned char)lit[o])) sc *= 100;
		if (sc < bs) bs = sc, best = (int)o;
	}
	return best;
}

static void pf_add(identity_rules *r, int k, const char *lit, int flags, int class)
{
	int a = rarest_window(lit);
	uint32_t h = pf_hash(fold3((const unsigned char *)lit + a));
	r->lits[k].anchor = (uint8_t)a;
	r->set[h] = 1;
	r->lits[k].lit = lit;
	r->lits[k].len = (uint16_t)strlen(lit);
	r->lits[k].flags = (uint8_t)flags;
	r->lits[k].class = (uint8_t)class;
	r->lits[k].next = r->head[h % PF_BUCKETS];
	r->head[h % PF_BUCKETS] = (uint16_t)(k + 1);
}

static inline int alnum(unsigned char c) { return (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z'); }

/* literal k at s[i]: its bytes (case-folded unless EXACT), and the word
 * edges its flags ask for. In raw JSON a letter after a backslash is an
 * escape ("\nGoogle"), so it counts as a word edge. */
static int lit_at(const identity_rules *r, unsigned k, const unsigned char *s, size_t n, size_t i)
{
	const unsigned char *lit = (const unsigned char *)r->lits[k].lit;
	size_t l = r->lits[k].len;
	int f = r->lits[k].flags;
	if (l > n - i) return 0;
	if (f & EXACT) {
		if (memcmp(s + i, lit, l)) return 0;
	} else {
		for (size_t q = 0; q < l; q++)
			if ((s[i + q] | 0x20) != (lit[q] | 0x20)) return 0;
	}
	if ((f & WS) && i > 0 && alnum(s[i - 1]) && !(i >= 2 && s[i - 2] == '\\') &&
	    !(i >= 6 && s[i - 6] == '\\' && s[i - 5] == 'u'))
		return 0;
	if ((f & WE) && i + l < n && alnum(s[i + l])) return 0;
	return 1;
}

struct identity_hit { uint32_t pos, class; };   /* a literal in the text, and its class */

static void push_hit(identity_ctx *c, size_t pos, unsigned class)
{
	if (c->nhits == c->hcap) {
		c->hcap = c->hcap ? 2 * c->hcap : 64;
		c->hits = xrealloc(c->hits, c->hcap * sizeof *c->hits);
	}
	c->hits[c->nhits].pos = (uint32_t)pos;
	c->hits[c->nhits++].class = class;
}

/* the classes (1 names, 2 cut-off literals) of the literals in hash h's
 * bucket whose anchor stands at s[i]; each one also into sink's hits when
 * sink is set */
static int lit_starts(const identity_rules *r, const unsigned char *s, size_t n, size_t i, uint32_t h, identity_ctx *sink)
{
	int m = 0;
	for (unsigned k = r->head[h % PF_BUCKETS]; k; k = r->lits[k - 1].next) {
		size_t a = r->lits[k - 1].anchor;
		if (i >= a && lit_at(r, k - 1, s, n, i - a)) {
			m |= r->lits[k - 1].class;
			if (sink) push_hit(sink, i - a, r->lits[k - 1].class);
		}
	}
	return m;
}

#ifdef __x86_64__
/* The AVX2 scan, Hyperscan's "Teddy" sieve: 32 positions at a time, those
 * whose three bytes (folded) each have a nibble pair some group of anchors
 * allows (pf_groups), about one in forty in English and code; each of those
 * is hashed as the scalar scan hashes every position. */
__attribute__((target("avx2"))) static size_t scan_avx2(const identity_rules *r, const unsigned char *s, size_t n, int *m, identity_ctx *sink)
{
	const __m256i f = _mm256_set1_epi8(0x20), nib = _mm256_set1_epi8(0x0f), zero = _mm256_setzero_si256();
	__m256i lo[2][3], hi[2][3];
	for (int g = 0; g < 2; g++)
		for (int j = 0; j < 3; j++) {
			lo[g][j] = _mm256_broadcastsi128_si256(_mm_loadu_si128((const __m128i *)r->glo[g][j]));
			hi[g][j] = _mm256_broadcastsi128_si256(_mm_loadu_si128((const __m128i *)r->ghi[g][j]));
		}
	size_t i = 0;
	for (; i + 34 <= n; i += 32) {
		__m256i ma = _mm256_set1_epi8(-1), mb = ma;
		for (int j = 0; j < 3; j++) {
			__m256i x = _mm256_or_si256(_mm256_loadu_si256((const __m256i *)(s + i + (size_t)j)), f);
			__m256i l = _mm256_and_si256(x, nib), h = _mm256_and_si256(_mm256_srli_epi16(x, 4), nib);
			ma = _mm256_and_si256(ma, _mm256_and_si256(_mm256_shuffle_epi8(lo[0][j], l), _mm256_shuffle_epi8(hi[0][j], h)));
			mb = _mm256_and_si256(mb, _mm256_and_si256(_mm256_shuffle_epi8(lo[1][j], l), _mm256_shuffle_epi8(hi[1][j], h)));
		}
		uint32_t c = ~((uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(ma, zero)) &
		               (uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(mb, zero)));
		for (; c; c &= c - 1) {
			size_t q = i + (size_t)__builtin_ctz(c);
			uint32_t hh = pf_hash(fold3(s + q));
			if (r->set[hh] && (*m |= lit_starts(r, s, n, q, hh, sink)) == 3 && !sink) return n;
		}
	}
	return i;
}
#endif

/* The scan: the classes of the literals in s[0..n), all of them into
 * sink's hits when sink is set (else it stops once both classes are seen). */
static int pf_scan(const identity_rules *r, const char *str, size_t n, identity_ctx *sink)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0;
	int m = 0;
#ifdef __x86_64__
	if (__builtin_cpu_supports("avx2")) {
		i = scan_avx2(r, s, n, &m, sink);
		if (m == 3 && !sink) return m;
	}
#endif
	for (; i + 8 <= n; i += 6) {
		uint64_t w;
		memcpy(&w, s + i, 8);
		w |= 0x2020202020202020ull;
		uint32_t h[6];
		for (int k = 0; k < 6; k++) h[k] = pf_hash((uint32_t)(w >> (8 * k)) & 0xFFFFFFu);
		/* one branch for the six, which are almost always all clear */
		if (!(r->set[h[0]] | r->set[h[1]] | r->set[h[2]] | r->set[h[3]] | r->set[h[4]] | r->set[h[5]])) continue;
		for (int k = 0; k < 6; k++)
			if (r->set[h[k]] && (m |= lit_starts(r, s, n, i + (size_t)k, h[k], sink)) == 3 && !sink) return m;
	}
	for (; i + 3 <= n; i++) {
		uint32_t h = pf_hash(fold3(s + i));
		if (r->set[h] && (m |= lit_starts(r, s, n, i, h, sink)) == 3 && !sink) return m;
	}
	return m;
}

int identity_maybe(const identity_rules *r, const char *str, size_t n) { return pf_scan(r, str, n, NULL); }

/*
 * Backslash-u escapes. A literal in the decoded text of a string is on its
 * raw bytes too (a letter after an escape counting as a word's start, see
 * lit_at) unless one of its characters was escaped. The folded bytes of the
 * literals' non-ASCII characters are in r->lit2 and r->lit3; folding keeps
 * ASCII, lead and continuation bytes apart, so a literal's character can
 * only be a text character of the same lead whose first bytes fold alike.
 */
static inline uint32_t esc_hash(uint32_t v) { return (v * 0x9E3779B1u) >> 16; }

static void esc_add(identity_rules *r, const char *lit)
{
	const unsigned char *p = (const unsigned char *)lit;
	for (size_t i = 0; p[i]; i++) {
		if (p[i] < 0xC0) continue;
		size_t l = p[i] < 0xE0 ? 2 : p[i] < 0xF0 ? 3 : 4;
		int last = p[i + l] == 0;
		unsigned f0 = p[i] | 0x20u, f1 = p[i + 1] | 0x20u;
		for (int t = 0; t <= last; t++) {
			if (l == 2) {
				r->lit2[t][(f0 << 8 | f1) / 64] |= 1ull << ((f0 << 8 | f1) % 64);
			} else {
				/* (a 4-byte one by its first three, as if it had three) */
				uint32_t h = esc_hash(f0 | f1 << 8 | (uint32_t)(p[i + 2] | 0x20u) << 16);
				r->lit3[t][h / 64] |= 1ull << (h % 64);
			}
		}
	}
}

/* the hex digits' values plus one, 0 for any other byte */
static const unsigned char hexval1[256] = {
	['0'] = 1, ['1'] = 2, ['2'] = 3, ['3'] = 4, ['4'] = 5, ['5'] = 6, ['6'] = 7, ['7'] = 8, ['8'] = 9, ['9'] = 10,
	['a'] = 11, ['b'] = 12, ['c'] = 13, ['d'] = 14, ['e'] = 15, ['f'] = 16, ['A'] = 11, ['B'] = 12, ['C'] = 13,
	['D'] = 14, ['E'] = 15, ['F'] = 16,
};

static int hex4(const unsigned char *s, unsigned *v)
{
	unsigned a = hexval1[s[0]], b = hexval1[s[1]], c = hexval1[s[2]], d = hexval1[s[3]];
	if (!a || !b || !c || !d) return -1;
	*v = (a - 1) << 12 | (b - 1) << 8 | (c - 1) << 4 | (d - 1);
	return 0;
}

/* 1 when character v (>= 0x80) folds like one of the literals' characters
 * (r->lit2, r->lit3): one of its length, or one ending a literal that its
 * first bytes fold like. Folding keeps ASCII, lead and continuation bytes
 * apart, so a literal's character that does not end it can only match a
 * text character of its own length. */
static int char_hides(const identity_rules *r, unsigned v)
{
	char enc[4];
	int l = utf8_encode(v, enc);
	const unsigned char *b = (const unsigned char *)enc;
	unsigned f = (b[0] | 0x20u) << 8 | (b[1] | 0x20u);
	if (r->lit2[l > 2][f / 64] >> (f % 64) & 1) return 1;
	if (l == 2) return 0;
	uint32_t h = esc_hash((b[0] | 0x20u) | (b[1] | 0x20u) << 8 | (uint32_t)(b[2] | 0x20u) << 16);
	/* a 4-byte literal character goes as a 3-byte one: both tables */
	return (int)(r->lit3[l > 3][h / 64] >> (h % 64) & 1) || (l == 4 && (r->lit3[0][h / 64] >> (h % 64) & 1));
}

/* r->hides: bit v for the characters below U+10000 whose escape could hide
 * a literal's character: printable ASCII, and those char_hides finds */
static void hides_table(identity_rules *r)
{
	for (unsigned v = 0x20; v < 0x10000; v++)
		if (v < 0x80 || ((v < 0xD800 || v > 0xDFFF) && char_hides(r, v))) r->hides[v / 64] |= 1ull << (v % 64);
}

/* 1 when an escape in raw JSON string bytes s[0..n) could stand for a
 * character of a literal (r->hides, char_hides), or is one this does not
 * read */
static int escape_hides(const identity_rules *r, const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str, *e = s + n, *p = s;
	while (p < e) {
		/* escapes come in runs (a CJK text is all escapes) */
		if (*p != '\\' && !(p = memchr(p, '\\', (size_t)(e - p)))) break;
		if (p + 1 >= e) return 1;
		if (p[1] != 'u') { p += 2; continue; }
		unsigned v, lo;
		if (p + 6 > e || hex4(p + 2, &v)) return 1;
		p += 6;
		if (v < 0xD800 || v > 0xDFFF) {
			if (r->hides[v / 64] >> (v % 64) & 1) return 1;
			continue;
		}
		/* a pair: a character of four bytes, which no literal has, but
		 * its first three could fold like a literal's */
		if (v > 0xDBFF || p + 6 > e || p[0] != '\\' || p[1] != 'u' || hex4(p + 2, &lo) || lo < 0xDC00 || lo > 0xDFFF) return 1;
		p += 6;
		if (char_hides(r, 0x10000 + ((v - 0xD800) << 10) + (lo - 0xDC00))) return 1;
	}
	return 0;
}

/* Pattern text with its open repeats bounded (\s+ to \s{1,8}, \s* to
 * \s{0,8}, a class's + and * to {1,32} and {0,32}), so that no match starts
 * more than IDENTITY_BEFORE bytes, IDENTITY_WORDS words or IDENTITY_CHARS characters before
 * the literal it holds (see Matching below). */
static void put_bounded(strbuf *p, const char *re)
{
	for (const char *c = re; *c; c++) {
		if (c[0] == '\\' && c[1] == 's' && (c[2] == '+' || c[2] == '*')) {
			strbuf_puts(p, c[2] == '+' ? "\\s{1,8}" : "\\s{0,8}");
			c += 2;
		} else if (c[0] == '\\' && c[1]) {
			strbuf_put(p, c, 2);
			c++;
		} else if (c[0] == ']' && (c[1] == '+' || c[1] == '*')) {
			strbuf_puts(p, c[1] == '+' ? "]{1,32}" : "]{0,32}");
			c++;
		} else {
			strbuf_putc(p, *c);
		}
	}
}

/* The pattern of one class ('i', 'n' or 'c'): each claim of the class an
 * alternative in its own group, whose number gives the claim (and its
 * language), {N} calling the subroutine N, the names, defined once at the
 * end. (A (*MARK) on each, like a DEFINE group first, would keep PCRE2 from
 * knowing the bytes a match can start with.) */
static void build_pattern(strbuf *p, char reason)
{
	strbuf_puts(p, "(?:");
	int first = 1;
	for (size_t k = 0; k < N_CLAIMS; k++) {
		if (claims[k].reason != reason) continue;
		if (!first) strbuf_putc(p, '|');
		first = 0;
		strbuf_putc(p, '(');   /* group number: the claim's place in its class */
		strbuf b = {0};
		for (const char *c = claims[k].re; *c; c++) {
			if (!strncmp(c, "{N}", 3)) { strbuf_puts(&b, "(?&N)"); c += 2; }
			else strbuf_putc(&b, *c);
		}
		put_bounded(p, b.p);
		strbuf_free(&b);
		strbuf_putc(p, ')');
	}
	/* the names last: a DEFINE group first would keep PCRE2 from knowing
	 * the bytes a match can start with, which it skips to */
	strbuf_puts(p, ")(?(DEFINE)(?<N>");
	for (size_t k = 0; k < N_NAMES; k++) {
		if (k) strbuf_putc(p, '|');
		strbuf_puts(p, names[k].flags & WS ? "(?<![A-Za-z0-9])(?:" : "(?:");
		put_bounded(p, names[k].re);
		strbuf_puts(p, names[k].flags & WS ? ")(?![A-Za-z0-9])" : ")");
	}
	strbuf_puts(p, "))");
}

/* the share of text positions whose byte (folded) a group's nibble masks
 * lo, hi let through at one of the three places, by byte_freq */
static double pass_share(unsigned lo, unsigned hi)
{
	double f = 0;
	for (unsigned b = 0; b < 256; b++)
		if ((lo >> (b & 15) & 1) && (hi >> (b >> 4) & 1) && (b & 0x20)) f += byte_freq((unsigned char)b);
	return f / 1000;
}

/* how many of the text's positions a group of the masks m (3 places, low
 * nibbles in m[j][0], high in m[j][1]) lets through, estimated */
static double group_cost(const unsigned m[3][2])
{
	if (!m[0][0]) return 0;
	return pass_share(m[0][0], m[0][1]) * pass_share(m[1][0], m[1][1]) * pass_share(m[2][0], m[2][1]);
}

static double anchor_freq(uint32_t a)
{
	return (double)byte_freq(a & 0xFF) * byte_freq(a >> 8 & 0xFF) * byte_freq(a >> 16 & 0xFF);
}

static int cmp_freq(const void *x, const void *y)
{
	double a = anchor_freq(*(const uint32_t *)x), b = anchor_freq(*(const uint32_t *)y);
	return a < b ? 1 : a > b ? -1 : (*(const uint32_t *)x > *(const uint32_t *)y) - (*(const uint32_t *)x < *(const uint32_t *)y);
}

/* the groups of scan_avx2: each anchor (folded), commonest first, into the
 * group whose estimated pass rate (group_cost, the nibble masks letting
 * through more than the anchors themselves) it raises least. Any grouping
 * is correct, since every anchor's bytes pass its own group; a good one
 * keeps the positions to hash few. */
static void pf_groups(identity_rules *r)
{
	unsigned m[16][3][2];
	memset(m, 0, sizeof m);
	double cost[16] = {0};
	uint32_t as[N_LITS];
	for (size_t k = 0; k < N_LITS; k++) as[k] = fold3((const unsigned char *)r->lits[k].lit + r->lits[k].anchor);
	qsort(as, N_LITS, sizeof *as, cmp_freq);
	for (size_t k = 0; k < N_LITS; k++) {
		uint32_t a = as[k];
		int best = 0;
		double bd = 1e30;
		for (int g = 0; g < 16; g++) {
			unsigned t[3][2];
			for (int j = 0; j < 3; j++) {
				unsigned c = (a >> (8 * j)) & 0xFF;
				t[j][0] = m[g][j][0] | 1u << (c & 15);
				t[j][1] = m[g][j][1] | 1u << (c >> 4);
			}
			double d = group_cost((const unsigned(*)[2])t) - cost[g];
			if (d < bd) bd = d, best = g;
		}
		for (int j = 0; j < 3; j++) {
			unsigned c = (a >> (8 * j)) & 0xFF;
			m[best][j][0] |= 1u << (c & 15);
			m[best][j][1] |= 1u << (c >> 4);
		}
		cost[best] = group_cost((const unsigned(*)[2])m[best]);
	}
	for (int g = 0; g < 16; g++)
		for (int j = 0; j < 3; j++)
			for (unsigned v = 0; v < 16; v++) {
				if (m[g][j][0] >> v & 1) r->glo[g / 8][j][v] |= (uint8_t)(1u << (g % 8));
				if (m[g][j][1] >> v & 1) r->ghi[g / 8][j][v] |= (uint8_t)(1u << (g % 8));
			}
}

/* r->start2[c]: the pairs of bytes b0 b1 that begin a match of pattern c, or
 * a text it is the start of (PCRE2's hard partial matching on the two bytes
 * alone, the interpreter, anchored); a b0 PCRE2's first-byte bitmap rules
 * out has none. A multi-byte character, or a pair that is not UTF-8, is
 * taken as a start, as is every pair when PCRE2 knows no first bytes. */
static void pf_starts(identity_rules *r, int c)
{
	const uint8_t *first = NULL;
	if (pcre2_pattern_info(r->re[c + 3], PCRE2_INFO_FIRSTBITMAP, &first)) first = NULL;
	pcre2_match_data *md = pcre2_match_data_create(1, NULL);
	if (!md) util_oom(0);
	/* the patterns start caseless: a capital's row is its small letter's,
	 * and a capital second byte goes as its small letter (the tests flip
	 * the claims' case to hold this) */
	for (unsigned b0 = 0; b0 < 256; b0++) {
		uint64_t *row = r->start2[c][b0];
		if (first && !(first[b0 / 8] >> (b0 % 8) & 1)) continue;
		if (b0 >= 0x80 || !first) { memset(row, 0xFF, 4 * sizeof *row); continue; }
		if (b0 >= 'A' && b0 <= 'Z') continue;   /* below */
		for (unsigned b1 = 0; b1 < 256; b1++) {
			unsigned char t[2] = {(unsigned char)b0, (unsigned char)b1};
			int rc = 0;
			if (b1 < 0x80 && !(b1 >= 'A' && b1 <= 'Z'))
				rc = pcre2_match(r->re[c + 3], t, 2, 0, PCRE2_PARTIAL_HARD | PCRE2_NO_JIT, md, NULL);
			if (rc >= 0 || rc == PCRE2_ERROR_PARTIAL) row[b1 / 64] |= (uint64_t)1 << (b1 % 64);
		}
		for (unsigned b1 = 'A'; b1 <= 'Z'; b1++)
			if (!(row[(b1 | 0x20) / 64] >> ((b1 | 0x20) % 64) & 1)) row[b1 / 64] &= ~((uint64_t)1 << (b1 % 64));
	}
	for (unsigned b0 = 'A'; b0 <= 'Z'; b0++)
		if (!first || (first[b0 / 8] >> (b0 % 8) & 1)) memcpy(r->start2[c][b0], r->start2[c][b0 | 0x20], 4 * sizeof(uint64_t));
	pcre2_match_data_free(md);
}

identity_rules *identity_rules_new(char *err, size_t errlen)
{
	identity_rules *r = xcalloc(1, sizeof *r);
	int k = 0;
	for (size_t i = 0; i < N_NAMES; i++)
		pf_add(r, k++, names[i].lit, names[i].flags & INNER ? names[i].flags & EXACT : names[i].flags, 1);
	for (size_t i = 0; i < N_CUTOFF_LITS; i++) pf_add(r, k++, cutoff_lits[i], 0, 2);
	for (size_t i = 0; i < N_LITS; i++) esc_add(r, r->lits[i].lit);
	hides_table(r);
	pf_groups(r);
	for (int c = 0; c < 6; c++) {
		strbuf p = {0};
		build_pattern(&p, "inc"[c % 3]);
		int ec;
		PCRE2_SIZE eo;
		r->re[c] = pcre2_compile((PCRE2_SPTR)p.p, p.len, PCRE2_CASELESS | PCRE2_UTF | PCRE2_UCP | (c >= 3 ? PCRE2_ANCHORED : 0),
		                         &ec, &eo, NULL);
		strbuf_free(&p);
		if (!r->re[c]) {
			PCRE2_UCHAR msg[160];
			pcre2_get_error_message(ec, msg, sizeof msg);
			util_err_set(err, errlen, "identity rules: %s pattern at offset %zu: %s", c % 3 == 2 ? "cut-off" : "identity", (size_t)eo,
			        (const char *)msg);
			identity_rules_free(r);
			return NULL;
		}
		/* JIT is a speed-up only: without it (no JIT on this CPU) the
		 * interpreter gives the same matches */
		(void)pcre2_jit_compile(r->re[c], PCRE2_JIT_COMPLETE);
	}
	for (int c = 0; c < 3; c++) pf_starts(r, c);
	return r;
}

void identity_rules_free(identity_rules *r)
{
	if (!r) return;
	for (int c = 0; c < 6; c++) pcre2_code_free(r->re[c]);
	free(r);
}

void identity_init(identity_ctx *c, const identity_rules *r)
{
	memset(c, 0, sizeof *c);
	c->rules = r;
	c->md = pcre2_match_data_create((uint32_t)N_CLAIMS + 2, NULL);   /* a group a claim, and the names */
	c->mctx = pcre2_match_context_create(NULL);
	c->jit = pcre2_jit_stack_create(32 * 1024, 4 * 1024 * 1024, NULL);
	if (!c->md || !c->mctx || !c->jit) util_oom(0);
	pcre2_jit_stack_assign(c->mctx, NULL, c->jit);
	/* bound the work one string can cost; a pattern that hits the bound
	 * is taken as not matching */
	pcre2_set_match_limit(c->mctx, 10 * 1000 * 1000);
}

void identity_free(identity_ctx *c)
{
	pcre2_match_data_free(c->md);
	pcre2_match_context_free(c->mctx);
	pcre2_jit_stack_free(c->jit);
	strbuf_free(&c->text);
	strbuf_free(&c->clean);
	free(c->hits);
	free(c->spans);
	free(c->quoted);
}

/*
 * Code: the fenced code blocks (a line whose first characters other than
 * blanks are ``` or ~~~, to a line starting with as many of the same, or the
 * end) and inline code spans (a run of backquotes to the next run of the
 * same length in the paragraph, looked for over 64 KiB at most) of s, the
 * rules of detect.h, as ascending [start, end) pairs in c->spans. Computed
 * once a string, when a match first needs it.
 */
#define SPAN_SEARCH_MAX (64u * 1024)

static void push_span(identity_ctx *c, size_t a, size_t b)
{
	if (c->nspans + 2 > c->scap) {
		c->scap = c->scap ? 2 * c->scap : 64;
		c->spans = xrealloc(c->spans, c->scap * sizeof *c->spans);
	}
	c->spans[c->nspans++] = a;
	c->spans[c->nspans++] = b;
}

static void code_spans(identity_ctx *c, const char *s, size_t n)
{
	size_t i = 0;
	c->nspans = 0;
	while (i < n) {
		/* i is a line start */
		size_t k = i;
		while (k < n && (s[k] == ' ' || s[k] == '\t')) k++;
		if (k < n && (s[k] == '`' || s[k] == '~')) {
			size_t run = 0;
			while (k + run < n && s[k + run] == s[k]) run++;
			if (run >= 3) {
				char ch = s[k];
				const char *nl = memchr(s + k, '\n', n - k);
				size_t p = nl ? (size_t)(nl - s) + 1 : n;
				for (;;) {
					if (p >= n) { push_span(c, k, n); return; }   /* unclosed: to the end */
					size_t q = p, r2 = 0;
					while (q < n && (s[q] == ' ' || s[q] == '\t')) q++;
					while (q + r2 < n && s[q + r2] == ch) r2++;
					nl = memchr(s + p, '\n', n - p);
					size_t e = nl ? (size_t)(nl - s) + 1 : n;
					if (r2 >= run) { push_span(c, k, e); i = e; break; }
					p = e;
				}
				continue;
			}
		}
		/* inline spans on this line and the lines of its paragraph they reach */
		const char *nl = memchr(s + i, '\n', n - i);
		size_t e = nl ? (size_t)(nl - s) + 1 : n;
		for (size_t q = i; q < e; q++) {
			if (s[q] != '`') continue;
			size_t r = 0;
			while (q + r < n && s[q + r] == '`') r++;
			size_t z = q + r, close = 0, lim = z + SPAN_SEARCH_MAX < n ? z + SPAN_SEARCH_MAX : n;
			while (z < lim) {
				if (s[z] == '\n' && z + 1 < n && s[z + 1] == '\n') break;   /* the paragraph ended */
				if (s[z] == '`') {
					size_t r2 = 0;
					while (z + r2 < n && s[z + r2] == '`') r2++;
					if (r2 == r) { close = z + r2; break; }
					z += r2;
				} else {
					z++;
				}
			}
			if (!close) { q += r - 1; continue; }
			push_span(c, q, close);
			if (close > e) {
				nl = memchr(s + close, '\n', n - close);
				e = nl ? (size_t)(nl - s) + 1 : n;
			}
			q = close - 1;
		}
		i = e;
	}
}

/* 1 when offset at stands in code (c->spans, computed on first use) */
static int in_code(identity_ctx *c, const char *s, size_t n, size_t at)
{
	if (!c->spans_ok) {
		code_spans(c, s, n);
		c->spans_ok = 1;
	}
	size_t lo = 0, hi = c->nspans / 2;
	while (lo < hi) {   /* the first span ending after at */
		size_t mid = (lo + hi) / 2;
		if (c->spans[2 * mid + 1] <= at) lo = mid + 1;
		else hi = mid;
	}
	return lo < c->nspans / 2 && c->spans[2 * lo] <= at;
}

/*
 * Quoted: a match at offset at is quoted when its line starts with '>' (a
 * markdown quote), or inside quotation marks opened earlier in its
 * paragraph: an odd number of '"' before it, or more of the openers “ « 「 『 „
 * than of the closers ” » 」 』. The state of every offset, in one pass over
 * the string into c->quoted, when a match first needs it.
 */
static void quote_states(identity_ctx *c, const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;
	if (n + 1 > c->qcap) {
		c->qcap = n + 1;
		c->quoted = xrealloc(c->quoted, c->qcap);
	}
	int dq = 0, open = 0, qline = 0, line_head = 1;
	for (size_t i = 0; i < n; i++) {
		c->quoted[i] = (uint8_t)(qline || dq || open > 0);
		unsigned char ch = s[i];
		if (ch == '\n') {
			if (i + 1 < n && s[i + 1] == '\n') dq = 0, open = 0;   /* a paragraph ends */
			qline = 0, line_head = 1;
			continue;
		}
		if (line_head && ch != ' ' && ch != '\t') {
			line_head = 0;
			if (ch == '>') qline = 1;
		}
		if (ch == '"') dq ^= 1;
		else if (ch == 0xE2 && i + 2 < n && s[i + 1] == 0x80) {
			if (s[i + 2] == 0x9C || s[i + 2] == 0x9E) open++;        /* “ „ */
			else if (s[i + 2] == 0x9D) open--;                       /* ” */
		} else if (ch == 0xC2 && i + 1 < n) {
			if (s[i + 1] == 0xAB) open++;                            /* « */
			else if (s[i + 1] == 0xBB) open--;                       /* » */
		} else if (ch == 0xE3 && i + 2 < n && s[i + 1] == 0x80) {
			if (s[i + 2] == 0x8C || s[i + 2] == 0x8E) open++;        /* 「 『 */
			else if (s[i + 2] == 0x8D || s[i + 2] == 0x8F) open--;   /* 」 』 */
		}
	}
	c->quoted[n] = 0;
}

static int in_quote(identity_ctx *c, const char *s, size_t n, size_t at)
{
	if (!c->quoted_ok) {
		quote_states(c, s, n);
		c->quoted_ok = 1;
	}
	return c->quoted[at];
}

/* s with every byte that does not start valid UTF-8 replaced by '?', in
 * c->clean: PCRE2 in UTF mode refuses invalid text, and a lone surrogate
 * escape decodes to bytes that are not UTF-8 */
static const char *clean_utf8(identity_ctx *c, const char *s, size_t n)
{
	strbuf_reset(&c->clean);
	size_t i = 0;
	while (i < n) {
		size_t v = utf8_valid_prefix(s + i, n - i);
		strbuf_put(&c->clean, s + i, v);
		i += v;
		if (i < n) { strbuf_putc(&c->clean, '?'); i++; }
	}
	return c->clean.p;
}

/* a short, valid-UTF-8 excerpt of s[a..b) for the detail */
static void excerpt(char *out, size_t on, const char *s, size_t a, size_t b)
{
	size_t l = b - a, max = on > 64 ? 60 : on ? on - 1 : 0;
	if (l > max) {
		l = max;
		while (l > 0 && ((unsigned char)s[a + l] & 0xC0) == 0x80) l--;
	}
	memcpy(out, s + a, l);
	out[l] = 0;
	for (size_t k = 0; k < l; k++)
		if (out[k] == '\n' || out[k] == '\t' || out[k] == '\r') out[k] = ' ';
}

/*
 * Matching. PCRE2 walks text at some 10-20 MB/s with patterns this size, so
 * the patterns are not run over the text: they are tried anchored at the
 * positions a match can start at, near the literals. Every match holds a
 * literal (a name for the identity claims, a cut-off literal for the others)
 * and starts at a token: an ASCII letter or digit after a character that is
 * not one, any non-ASCII character, or, for the patterns that start with a
 * name, the literal itself. No pattern starts more than 24 ASCII words, or
 * 96 non-ASCII characters, before its literal (the repeats are bounded, see
 * put_bounded), nor more than IDENTITY_BEFORE bytes, and those that start with a
 * name start within IDENTITY_BEFORE_NAME bytes of its literal ("Meta Llama",
 * "Яндекс"); the candidates are those, in
 * the text before each literal. The unit test and fuzz_identity hold this
 * to matching every pattern from every position (identity_ctx.reference).
 */
#define IDENTITY_BEFORE 4096
#define IDENTITY_WORDS 24
#define IDENTITY_CHARS 96
#define IDENTITY_BEFORE_NAME 16
#define IDENTITY_CAND (IDENTITY_WORDS + IDENTITY_CHARS + 2)


static int cmp_hit(const void *a, const void *b)
{
	uint32_t x = ((const struct identity_hit *)a)->pos, y = ((const struct identity_hit *)b)->pos;
	return x < y ? -1 : x > y;
}

/* every literal in s[0..n), by position, into c->hits; their classes */
static int collect_hits(identity_ctx *c, const char *s, size_t n)
{
	c->nhits = 0;
	int m = pf_scan(c->rules, s, n, c);
	if (c->nhits > 1) qsort(c->hits, c->nhits, sizeof *c->hits, cmp_hit);
	return m;
}

/* the language of the claim whose group matched in pattern re's ovector */
static const char *claim_lang(int re, const PCRE2_SIZE *ov, unsigned npairs)
{
	char reason = "inc"[re];
	for (unsigned g = 1, k = 0; k < N_CLAIMS; k++) {
		if (claims[k].reason != reason) continue;
		if (g < npairs && ov[2 * g] != PCRE2_UNSET) return claims[k].lang;
		g++;
	}
	return NULL;
}

/* Pattern re matched at a (anchored; a < 0 or PCRE2_UNSET: the first match
 * anywhere from 0) that stands outside code and quotes: 1 with the detail.
 * *sp may become a copy with invalid UTF-8 made '?'. */
static int match_at(identity_ctx *c, int re, const char **sp, size_t n, size_t a, int anchored, char *detail, size_t dn)
{
	const char *s = *sp;
	for (;;) {
		/* valid UTF-8 (identity_text saw to it): PCRE2 would check only from
		 * the start offset on, and its JIT code reads behind it */
		int rc = pcre2_match(c->rules->re[re + (anchored ? 3 : 0)], (PCRE2_SPTR)s, n, a, PCRE2_NO_UTF_CHECK, c->md, c->mctx);
		if (rc < 0) return 0;   /* no match, or the match limit */
		PCRE2_SIZE *ov = pcre2_get_ovector_pointer(c->md);
		size_t m = ov[0], e = ov[1];
		if (!in_code(c, s, n, m) && !in_quote(c, s, n, m)) {
			const char *mark = claim_lang(re, ov, (unsigned)rc);
			char ex[64];
			excerpt(ex, sizeof ex, s, m, e);
			snprintf(detail, dn, "%s (%s): \"%s\"", re == 2 ? "states a training cut-off" : "claims another model's identity",
			         mark ? mark : "?", ex);
			return 1;
		}
		if (anchored) return 0;
		/* in code or quoted: look on from the next character */
		for (a = m + 1; a < n && ((unsigned char)s[a] & 0xC0) == 0x80; a++) {}
		if (a >= n) return 0;
	}
}

/* The start candidates before position p and after position after (none:
 * SIZE_MAX), ascending, into cand; returns their number. The window of a
 * literal holds those of the literals before it, from there on back, so
 * each literal only adds the text since the one before. */
static size_t candidates(const char *str, size_t p, size_t after, size_t *cand)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t k = 0, words = 0, chars = 0, lo = p > IDENTITY_BEFORE ? p - IDENTITY_BEFORE : 0;
	if (after != SIZE_MAX && after + 1 > lo) lo = after + 1;
	cand[k++] = p;   /* the literal */
	for (size_t q = p; q-- > lo && (words < IDENTITY_WORDS || chars < IDENTITY_CHARS);) {
		if (s[q] >= 0x80) {
			if ((s[q] & 0xC0) != 0x80 && chars < IDENTITY_CHARS) cand[k++] = q, chars++;
		} else if (alnum(s[q]) && (q == 0 || !alnum(s[q - 1])) && words < IDENTITY_WORDS) {
			cand[k++] = q, words++;
		}
	}
	for (size_t i = 0, j = k - 1; i < j; i++, j--) { size_t t = cand[i]; cand[i] = cand[j]; cand[j] = t; }
	return k;
}

/* the patterns re_a (and re_b, those starting with a name, when >= 0) at the
 * candidates before each literal of class bit */
static int match_near(identity_ctx *c, int re_a, int re_b, unsigned bit, const char **sp, size_t n, char *detail, size_t dn)
{
	size_t cand[IDENTITY_CAND], prev = SIZE_MAX;
	for (size_t h = 0; h < c->nhits; h++) {
		if (!(c->hits[h].class & bit) || c->hits[h].pos == prev) continue;
		size_t p = c->hits[h].pos, k = candidates(*sp, p, prev, cand);
		const uint64_t (*st)[4] = c->rules->start2[re_a];
		for (size_t i = 0; i < k; i++) {
			const unsigned char *q = (const unsigned char *)*sp + cand[i];
			unsigned b1 = cand[i] + 1 < n ? q[1] : 0;   /* at the end: the NUL after it, a start of any match */
			if ((cand[i] + 1 >= n || (st[q[0]][b1 / 64] >> (b1 % 64) & 1)) && match_at(c, re_a, sp, n, cand[i], 1, detail, dn))
				return 1;
			if (re_b >= 0 && cand[i] + IDENTITY_BEFORE_NAME >= p && match_at(c, re_b, sp, n, cand[i], 1, detail, dn)) return 1;
		}
		prev = p;
	}
	return 0;
}

const char *identity_text(identity_ctx *c, const char *s, size_t n, char *detail, size_t dn)
{
	c->spans_ok = c->quoted_ok = 0;
	if (!utf8_valid(s, n)) s = clean_utf8(c, s, n);
	if (c->reference) {
		/* the definition: every pattern from every position */
		if (match_at(c, 0, &s, n, 0, 0, detail, dn) || match_at(c, 1, &s, n, 0, 0, detail, dn)) return "foreign_identity";
		return match_at(c, 2, &s, n, 0, 0, detail, dn) ? "knowledge_cutoff" : NULL;
	}
	int m = collect_hits(c, s, n);
	if (!m) return NULL;
	if ((m & 1) && match_near(c, 0, 1, 1, &s, n, detail, dn)) return "foreign_identity";
	if ((m & 2) && match_near(c, 2, -1, 2, &s, n, detail, dn)) return "knowledge_cutoff";
	return NULL;
}

/* the rules on string node i of d */
static const char *identity_string(identity_ctx *c, const json_doc *d, uint32_t i, char *detail, size_t dn)
{
	const json_node *nd = &d->nodes[i];
	const char *raw = d->src + nd->off;
	/* raw bytes stand for themselves in every literal unless a backslash-u
	 * escape could write one of its letters */
	if (!c->reference && !identity_maybe(c->rules, raw, nd->len) &&
	    (!(nd->flags & JSON_F_UESCAPE) || !escape_hides(c->rules, raw, nd->len)))
		return NULL;
	const char *t = raw;
	size_t l = nd->len;
	if (nd->flags & JSON_F_ESCAPED) {
		strbuf_reset(&c->text);
		json_str_append(d, i, &c->text);
		t = c->text.p;
		l = c->text.len;
	}
	return identity_text(c, t, l, detail, dn);
}

static const json_key msg_keys[] = {JSON_KEY("role"), JSON_KEY("content"), JSON_KEY("reasoning_content"),
                                    JSON_KEY("reasoning")};

const char *identity_check(identity_ctx *c, const json_doc *d, char *detail, size_t dn)
{
	uint32_t ms = json_get(d, 0, "messages");
	if (json_type_of(d, ms) != JSON_ARRAY) return NULL;
	JSON_FOR_ELEMS(d, ms, m, i) {
		(void)i;
		if (json_type_of(d, m) != JSON_OBJECT) continue;
		uint32_t v[4];
		json_get_keys(d, m, msg_keys, 4, v);
		if (json_type_of(d, v[0]) != JSON_STRING || !json_str_eq(d, v[0], "assistant", 9)) continue;
		for (int k = 1; k < 4; k++) {
			const char *r = NULL;
			if (json_type_of(d, v[k]) == JSON_STRING) {
				r = identity_string(c, d, v[k], detail, dn);
			} else if (k == 1 && json_type_of(d, v[k]) == JSON_ARRAY) {
				JSON_FOR_ELEMS(d, v[k], part, j) {
					(void)j;
					uint32_t t = json_type_of(d, part) == JSON_OBJECT ? json_get(d, part, "text") : part;
					if (json_type_of(d, t) == JSON_STRING && (r = identity_string(c, d, t, detail, dn))) break;
				}
			}
			if (r) return r;
		}
	}
	return NULL;
}
