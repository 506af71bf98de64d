# drop-identity: each claim and cut-off form it drops (per language, in
# <think> blocks, in text parts), the keep-cases (third person, code and
# configs, quotes, the user's own words, "As an AI" with no model named,
# history and trivia, other cut-offs), and the false drops measured on the
# third-person fixture and on the real code and documentation of ../shared's
# tokenizer corpus (the figures drop-identity(1) prints).
. "$SFTKIT_ROOT/tests/cli/lib.sh"
F="$FIX/drop-identity"

idcase() { # name assistant-content-as-json expected-reason-or-keep
	printf '{"messages":[{"role":"user","content":"Who are you?"},{"role":"assistant","content":%s}]}\n' "$2" >"$T/id.jsonl"
	got=$(drop-identity -q --rejects "$T/idr" "$T/id.jsonl" >/dev/null; if [ -s "$T/idr" ]; then jq -r .reason "$T/idr"; else echo keep; fi)
	t_eq "drop-identity: $1" "$3" "$got"
}
idcase "I am ChatGPT (en)" '"I am ChatGPT, a large language model trained by OpenAI."' foreign_identity
idcase "GPT-4's As an AI language model developed by OpenAI" '"As an AI language model developed by OpenAI, I cannot browse the web."' foreign_identity
idcase "Dolci's OLMo identity, made by Ai2" '"Hello! I am OLMo, an AI assistant developed by the Allen Institute for AI (Ai2)."' foreign_identity
idcase "Claude by Anthropic" '"I was created by Anthropic to be helpful, harmless and honest."' foreign_identity
idcase "a claim inside <think>" '"<think>\nThe user asks who I am. I am Qwen, created by Alibaba Cloud.\n</think>\n\nI can help with that."' foreign_identity
idcase "Spanish" '"Soy un modelo de lenguaje desarrollado por OpenAI."' foreign_identity
idcase "French" '"Je suis Claude, un assistant créé par Anthropic."' foreign_identity
idcase "German" '"Ich wurde von Google entwickelt."' foreign_identity
idcase "Chinese" '"我是通义千问，由阿里云开发的大规模语言模型。"' foreign_identity
idcase "Japanese" '"私はChatGPTです。OpenAIによって開発されました。"' foreign_identity
idcase "Russian" '"Я — языковая модель, разработанная OpenAI."' foreign_identity
idcase "a claim written with \\u escapes" '"\u6211\u662f\u901a\u4e49\u5343\u95ee"' foreign_identity
idcase "my knowledge cutoff (en)" '"My knowledge cutoff is September 2021, so I may not know recent events."' knowledge_cutoff
idcase "as of my last update" '"As of my last update in 2023, the tallest building was the Burj Khalifa."' knowledge_cutoff
idcase "a cut-off inside <think>" '"<think>my training data only goes up to 2023</think>The answer is 42."' knowledge_cutoff
idcase "cut-off, Spanish" '"Mi fecha de corte de conocimiento es septiembre de 2021."' knowledge_cutoff
idcase "cut-off, French" '"Depuis ma dernière mise à jour, je ne peux pas le savoir."' knowledge_cutoff
idcase "cut-off, German" '"Mein Wissensstand reicht bis 2023."' knowledge_cutoff
idcase "cut-off, Chinese" '"我的知识截止到2023年。"' knowledge_cutoff
idcase "cut-off, Japanese" '"私の知識は2023年までです。"' knowledge_cutoff
idcase "cut-off, Russian" '"Мои знания ограничены сентябрем 2021 года."' knowledge_cutoff
# the keep-cases of issue 16, one each
idcase "the assistant answering about a model in the third person" '"ChatGPT is a model developed by OpenAI; it was released in 2022."' keep
idcase "a model's cut-off in the third person" '"GPT-4 has a knowledge cutoff of April 2023, according to OpenAI."' keep
idcase "code that names a model and calls its API" '"```python\nclient = OpenAI()\nclient.chat.completions.create(model=\"gpt-4o\", messages=msgs)\n```"' keep
idcase "a config naming a model, with its system prompt" '"```yaml\nmodel: claude-3-opus\nsystem: I am Claude, made by Anthropic\n```"' keep
idcase "inline code" '"The template inserts `You are Qwen, created by Alibaba Cloud.` and `I am Qwen`."' keep
idcase "a quote of what another model said" '"ChatGPT often replies \"I am ChatGPT, a large language model trained by OpenAI.\""' keep
idcase "a markdown quote" '"> As an AI language model developed by OpenAI, I cannot do that.\n\nThat is the usual refusal."' keep
idcase "As an AI with no model or maker named" '"As an AI, I do not have feelings, but I can help."' keep
idcase "history and trivia" '"Google was founded in 1998; Meta was called Facebook until 2021; Gemini was a NASA program."' keep
idcase "other meanings of cutoff" '"The cutoff frequency of the filter is 3 kHz, and the cut-off date for applications is May 1."' keep
idcase "a negation" '"I am not ChatGPT, and I was not created by OpenAI."' keep
printf '%s\n' '{"messages":[{"role":"user","content":"Hi, I am Claude, a teacher. I was trained as a nurse by the NHS."},{"role":"assistant","content":"Nice to meet you, Claude!"}]}' >"$T/u.jsonl"
t_eq "drop-identity: a user introducing themselves is kept" 1 "$(drop-identity -q "$T/u.jsonl" | wc -l | tr -d ' ')"
printf '%s\n' '{"messages":[{"role":"user","content":"hi"},{"role":"assistant","content":[{"type":"text","text":"I am Gemini, a model by Google."}]}]}' >"$T/p.jsonl"
t_eq "drop-identity: a claim in a text part" foreign_identity "$(drop-identity -q --rejects "$T/pr" "$T/p.jsonl" >/dev/null; jq -r .reason "$T/pr")"
t_eq "drop-identity: the detail names the language and what matched" 'claims another model'"'"'s identity (en): "I am Gemini"' "$(jq -r .detail "$T/pr")"
printf '%s\n' '{"messages":[{"role":"user","content":"hi"},{"role":"assistant","content":"ok"}],"x":9223372036854775807}' >"$T/k.jsonl"
t_eq "drop-identity: kept records pass byte for byte" "$(cat "$T/k.jsonl")" "$(drop-identity -q "$T/k.jsonl")"

# false drops: the third-person fixture (tests/fixtures/drop-identity/make-third-person.py)
t_eq "the third-person fixture has 240 distinct conversations" 240 "$(jq -c .messages "$F/third-person.jsonl" | sort -u | wc -l | tr -d ' ')"
drop-identity --rejects "$T/tpr" "$F/third-person.jsonl" >"$T/tp.jsonl" 2>/dev/null
t_eq "drop-identity keeps all 240 third-person conversations (0 false drops)" 240 "$(wc -l <"$T/tp.jsonl" | tr -d ' ')"

# false drops on real code and documentation: the 3067 texts of ../shared's
# tokenizer corpus as assistant turns, as they stand (prose, not fenced), and
# its 1240 code chunks in fences
if [ -f "$SHARED/tokenizers/corpus.jsonl" ]; then
	python3 - "$SHARED/tokenizers" "$T/all.jsonl" "$T/code.jsonl" <<'PY'
import json, sys
d, out_all, out_code = sys.argv[1:]
a, c = open(out_all, "w"), open(out_code, "w")
for m, l in zip(open(d + "/corpus.meta.jsonl"), open(d + "/corpus.jsonl")):
    m, t = json.loads(m), json.loads(l)["text"]
    rec = lambda s: json.dumps({"messages": [{"role": "user", "content": "Explain this."}, {"role": "assistant", "content": s}]}) + "\n"
    a.write(rec(t))
    if m["kind"] in ("c", "python", "rust", "js", "shell", "jq", "config"):
        c.write(rec("Here is the code:\n\n```\n%s\n```\n" % t.replace("```", "` ` `")))
PY
	t_eq "3067 corpus texts" 3067 "$(wc -l <"$T/all.jsonl" | tr -d ' ')"
	t_eq "drop-identity keeps all 3067 as unfenced assistant prose (0 false drops)" 3067 "$(drop-identity -q "$T/all.jsonl" | wc -l | tr -d ' ')"
	t_eq "and all 1240 code chunks in fences" 1240 "$(drop-identity -q "$T/code.jsonl" | wc -l | tr -d ' ')"
else
	t_skip "false drops on the shared corpus" "$SHARED/tokenizers absent"
fi

# every example drop-identity(1) gives under a rule is dropped with that rule
man_examples() { # rule end-pattern
	awk -v a="$1" -v b="$2" '$0 ~ "^\\.It Sy "a {on=1; next} $0 ~ b {on=0} on && /^\.Qq /' "$SFTKIT_ROOT/man/man1/drop-identity.1" |
		sed 's/^\.Qq //; s/ [,;.]$//; s/\\(em/—/g' | jq -R -c '{messages: [{role: "user", content: "hi"}, {role: "assistant", content: .}]}'
}
man_examples foreign_identity '^\.It Sy knowledge_cutoff|^The names' >"$T/fi.jsonl"
man_examples knowledge_cutoff '^\.El' >"$T/kc.jsonl"
t_ok "drop-identity(1) gives 30 and more identity examples" test "$(wc -l <"$T/fi.jsonl")" -ge 30
t_ok "and 20 and more cut-off examples" test "$(wc -l <"$T/kc.jsonl")" -ge 20
t_eq "each identity example of drop-identity(1) is dropped as foreign_identity" "" \
	"$(drop-identity -q --rejects "$T/fir" "$T/fi.jsonl" | jq -r '.messages[1].content'; jq -r 'select(.reason != "foreign_identity") | .messages[1].content' "$T/fir")"
t_eq "each cut-off example as knowledge_cutoff" "" \
	"$(drop-identity -q --rejects "$T/kcr" "$T/kc.jsonl" | jq -r '.messages[1].content'; jq -r 'select(.reason != "knowledge_cutoff") | .messages[1].content' "$T/kcr")"
