# tok-len: counts, the chat wrapping against the real templates' renderings,
# --max and rejects, -j order, errors. The repo's own Qwen2.5 tokenizer (the
# sample mirror's) covers the core; ../shared adds the reference renderings.
. "$SFTKIT_ROOT/tests/cli/lib.sh"
TK="$T/qwen"
mkdir -p "$TK"
gzip -dc "$SFTKIT_ROOT/pipelines/sample/hub/models/Qwen/Qwen2.5-7B-Instruct/tokenizer.json.gz" >"$TK/tokenizer.json"
cp "$SFTKIT_ROOT/pipelines/sample/hub/models/Qwen/Qwen2.5-7B-Instruct/tokenizer_config.json" "$TK/"

printf '%s\n' '{"id":"a","messages":[{"role":"user","content":"Hello world"},{"role":"assistant","content":"Hi!"}]}' >"$T/in.jsonl"
# "Hello world" = Hello, Ġworld (2); "Hi!" = Hi, ! (2)
t_eq "--no-template sums the contents" 4 "$(tok-len -q -t "$TK" --no-template "$T/in.jsonl" | jq .n_tokens)"
# the template: <|im_start|> user \n ... <|im_end|> \n per turn = 5 + content; plus Qwen2.5's default system turn
t_eq "the model's chat template, with its default system prompt" 35 "$(tok-len -q -t "$TK" "$T/in.jsonl" | jq .n_tokens)"
t_eq "--render shows what was counted" "<|im_start|>system
You are Qwen, created by Alibaba Cloud. You are a helpful assistant.<|im_end|>
<|im_start|>user
Hello world<|im_end|>
<|im_start|>assistant
Hi!<|im_end|>" "$(tok-len -q -t "$TK" --render "$T/in.jsonl" | jq -r .rendered)"
t_eq "--format chatml approximates it the same here" 35 "$(tok-len -q -t "$TK" --format chatml "$T/in.jsonl" | jq .n_tokens)"
t_eq "--default-system with a fixed wrapping" 22 "$(tok-len -q -t "$TK" --format chatml --default-system 'Be brief.' "$T/in.jsonl" | jq .n_tokens)"
t_status "--default-system with the model's template: usage error, not ignored" 2 tok-len -q -t "$TK" --default-system 'Be brief.' "$T/in.jsonl"
t_status "nor with --no-template" 2 tok-len -q -t "$TK" --no-template --default-system 'Be brief.' "$T/in.jsonl"
printf '%s' "{% for m in messages %}{% if m.role == 'user' and loop.last %}{{ raise_exception('the last turn must be the assistant') }}{% endif %}[{{ m.content }}]{% endfor %}" >"$T/tpl.jinja"
t_eq "--template FILE ([Hello world][Hi!] is 6 tokens)" 6 "$(tok-len -q -t "$TK" --template "$T/tpl.jinja" "$T/in.jsonl" | jq .n_tokens)"
echo '{"id":"u","messages":[{"role":"user","content":"x"}]}' | tok-len -q -t "$TK" --template "$T/tpl.jinja" --rejects "$T/tr.jsonl" >/dev/null
t_eq "a conversation the template rejects is dropped with its message" "template_error raise_exception: the last turn must be the assistant" "$(jq -r '.reason + " " + .detail' "$T/tr.jsonl")"
printf '%s' "{% for m in messages %}{{ m|pprint }}{% endfor %}" >"$T/bad.jinja"
t_status "an unknown construct stops with its name and line" 1 tok-len -t "$TK" --template "$T/bad.jinja" "$T/in.jsonl"
t_grep "and says so" "template line 1: unsupported: the filter 'pprint'" "$T/.err"
printf '%s' "{% for m in messages %}{% if m.role == 'assistant' %}{{ m.content | pprint }}{% else %}{{ m.content }}{% endif %}{% endfor %}" >"$T/late.jinja"
t_status "a construct outside the dialect in a branch not taken yet stops the run, before any record" 1 tok-len -q -t "$TK" --template "$T/late.jinja" "$T/in.jsonl"
t_grep "naming the construct" "^tok-len: chat template $T/late.jinja: template line 1: unsupported: the filter 'pprint'" "$T/.err"
printf '%s' "{% for m in messages %}{{ m.content.strip() }}{% endfor %}" >"$T/strip.jinja"
printf '%s\n' '{"id":"n","messages":[{"role":"user","content":null}]}' '{"id":"s","messages":[{"role":"user","content":"x"}]}' >"$T/none.jsonl"
tok-len -q -t "$TK" --template "$T/strip.jinja" --rejects "$T/nr.jsonl" "$T/none.jsonl" >"$T/no.jsonl"
t_eq "what jinja2 raises while rendering (None.strip()) is that record's template_error; the run goes on" \
	"n template_error template line 1: 'none object' has no attribute 'strip' / s" "$(jq -r '"\(.id) \(.reason) \(.detail)"' "$T/nr.jsonl") / $(jq -r .id "$T/no.jsonl")"
printf '%s' "{{ tools is none }} {{ documents is none }}" >"$T/tools.jinja"
t_eq "tools and documents are None, as transformers passes them" "True True" "$(tok-len -q -t "$TK" --template "$T/tools.jinja" --render "$T/in.jsonl" | jq -r .rendered)"
t_eq "--ids lists the ids" '[9707,1879,13048,0]' "$(tok-len -q -t "$TK" --no-template --ids "$T/in.jsonl" | jq -c .token_ids)"
t_eq "an earlier n_tokens is replaced, not duplicated" 1 "$(tok-len -q -t "$TK" "$T/in.jsonl" | tok-len -q -t "$TK" | grep -o n_tokens | wc -l | tr -d ' ')"
t_eq "--text-field counts one string" 2 "$(echo '{"text":"Hello world"}' | tok-len -q -t "$TK" --text-field text | jq .n_tokens)"

# the files beside the tokenizer, read as transformers' AutoTokenizer reads them
D="$T/files"
mkdir -p "$D" && cp "$TK/tokenizer.json" "$TK/tokenizer_config.json" "$D/"
printf '%s' '{% for m in messages %}<{{ m.content }}>{% endfor %}' >"$D/chat_template.jinja"
t_eq "chat_template.jinja wins over tokenizer_config.json's chat_template" "<Hello world><Hi!>" \
	"$(tok-len -q -t "$D" --render "$T/in.jsonl" | jq -r .rendered)"
t_eq "also with --trainer nemo-rl (Qwen2.5's EOS added at the end)" "<Hello world><Hi!><|im_end|>" \
	"$(tok-len -q -t "$D/tokenizer.json" --trainer nemo-rl --render "$T/in.jsonl" | jq -r .rendered)"
rm "$D/chat_template.jinja" && mkdir "$D/additional_chat_templates"
printf '%s' 'tool use' >"$D/additional_chat_templates/tool_use.jinja"
t_status "named templates only (additional_chat_templates/, no chat_template.jinja): no default, exit 1" 1 tok-len -t "$D" "$T/in.jsonl"
t_grep "and says so" "no default template" "$T/.err"
t_eq "--template FILE still serves" 6 "$(tok-len -q -t "$D" --template "$T/tpl.jinja" "$T/in.jsonl" | jq .n_tokens)"
rm -r "$D/additional_chat_templates"
printf '%s' "{{ bos_token }}|{{ eos_token }}|{{ pad_token }}|{{ unk_token }}|{{ sep_token }}|{{ cls_token }}|{{ mask_token }}|{{ additional_special_tokens | join(',') }}" >"$T/sp.jinja"
jq 'del(.bos_token, .added_tokens_decoder) | .additional_special_tokens = ["<|im_start|>", {"__type": "AddedToken", "content": "<|im_end|>"}]' "$TK/tokenizer_config.json" >"$D/tokenizer_config.json"
printf '%s\n' '{"bos_token": {"content": "<|endoftext|>", "lstrip": false}, "eos_token": "<|endoftext|>", "mask_token": "", "sep_token": "<|im_start|>"}' >"$D/special_tokens_map.json"
t_eq "no added_tokens_decoder (the legacy layout): special_tokens_map.json's keys replace the config's" \
	"<|endoftext|>|<|endoftext|>|<|endoftext|>||<|im_start|>|||<|im_start|>,<|im_end|>" \
	"$(tok-len -q -t "$D" --template "$T/sp.jinja" --render "$T/in.jsonl" | jq -r .rendered)"
printf '%s' '{% for m in messages %}{{ m.content }}{% endfor %}' >"$T/plain.jinja"
t_eq "--trainer nemo-rl puts that BOS in front" "<|endoftext|>Hello worldHi!<|endoftext|>" \
	"$(tok-len -q -t "$D" --template "$T/plain.jinja" --trainer nemo-rl --render "$T/in.jsonl" | jq -r .rendered)"
jq '.added_tokens_decoder = {}' "$D/tokenizer_config.json" >"$D/c" && mv "$D/c" "$D/tokenizer_config.json"
t_eq "with added_tokens_decoder in the config, special_tokens_map.json is not read" "|<|im_end|>|<|endoftext|>|||||<|im_start|>,<|im_end|>" \
	"$(tok-len -q -t "$D" --template "$T/sp.jinja" --render "$T/in.jsonl" | jq -r .rendered)"
echo '{"x' >"$D/special_tokens_map.json" && jq 'del(.added_tokens_decoder)' "$D/tokenizer_config.json" >"$D/c" && mv "$D/c" "$D/tokenizer_config.json"
t_status "a damaged special_tokens_map.json stops" 1 tok-len -t "$D" --template "$T/sp.jinja" "$T/in.jsonl"
t_grep "naming it" "special_tokens_map.json" "$T/.err"
rm "$D/special_tokens_map.json"
jq 'del(.pad_token)' "$D/tokenizer_config.json" >"$D/c" && mv "$D/c" "$D/tokenizer_config.json"
printf '%s' '{{ pad_token is defined }}:{{ pad_token }}' >"$T/pad.jinja"
t_eq "no pad_token: undefined under --trainer none, as transformers" "False:" \
	"$(tok-len -q -t "$D" --template "$T/pad.jinja" --render "$T/in.jsonl" | jq -r .rendered)"
t_eq "the EOS under nemo-rl, as NeMo RL's get_tokenizer sets it" "True:<|im_end|>" \
	"$(tok-len -q -t "$D" --template "$T/pad.jinja" --trainer nemo-rl --no-add-eos --render "$T/in.jsonl" | jq -r .rendered)"

# --template-kwargs (NeMo RL's policy.tokenizer.chat_template_kwargs)
printf '%s' '{{ enable_thinking }}|{{ eos_token }}|{{ pad_token }}' >"$T/kw.jinja"
t_eq "--template-kwargs: its members are template variables, over the special tokens" "False|X|<|endoftext|>" \
	"$(tok-len -q -t "$TK" --template "$T/kw.jinja" --template-kwargs '{"enable_thinking": false, "eos_token": "X"}' --render "$T/in.jsonl" | jq -r .rendered)"
t_eq "under nemo-rl too" "False|X|<|endoftext|>" \
	"$(tok-len -q -t "$TK" --template "$T/kw.jinja" --trainer nemo-rl --no-add-eos --template-kwargs '{"enable_thinking": false, "eos_token": "X"}' --render "$T/in.jsonl" | jq -r .rendered)"
t_status "--template-kwargs not an object: usage error" 2 tok-len -t "$TK" --template-kwargs '[1]' "$T/in.jsonl"
t_status "--template-kwargs not JSON: usage error" 2 tok-len -t "$TK" --template-kwargs '{"a":' "$T/in.jsonl"
t_status "--template-kwargs naming a parameter of apply_chat_template: usage error" 2 tok-len -t "$TK" --template-kwargs '{"tools": []}' "$T/in.jsonl"
t_grep "which it names" '"tools" is a parameter of apply_chat_template' "$T/.err"
t_status "--template-kwargs with --no-template: usage error" 2 tok-len -t "$TK" --no-template --template-kwargs '{}' "$T/in.jsonl"

# tools as apply_chat_template takes them: a list of dicts, or ValueError
printf '%s' '{{ tools | tojson }}' >"$T/tj.jinja"
jq -c '{id: (.|tostring), messages: [{role: "user", content: "x"}], tools: .}' >"$T/tools.jsonl" <<'JS'
"[{\"type\": \"function\"}]"
3
1.5
true
{"type": "function"}
[{"type": "function"}, 1]
[{"type": "function"}]
""
{}
[]
null
JS
for tr in none nemo-rl; do
	[ "$tr" = none ] && knob= || knob=--no-add-eos
	tok-len -q -t "$TK" --template "$T/tj.jinja" --trainer "$tr" $knob --render --rejects "$T/tr.rej" "$T/tools.jsonl" >"$T/tr.out"
	t_eq "$tr: tools of the wrong kind are the record's template_error, with transformers' message" \
		"template_error tools: Tools should either be a JSON schema, or a callable function with type hints and a docstring suitable for auto-conversion
template_error tools: 'int' object is not iterable
template_error tools: 'float' object is not iterable
template_error tools: 'bool' object is not iterable
template_error tools: Tools should either be a JSON schema, or a callable function with type hints and a docstring suitable for auto-conversion
template_error tools: Tools should either be a JSON schema, or a callable function with type hints and a docstring suitable for auto-conversion" \
		"$(jq -r '.reason + " " + .detail' "$T/tr.rej")"
	t_eq "$tr: a list of dicts passes; an empty string or object is an empty list; null is None" \
		'[{"type": "function"}]|[]|[]|[]|null' "$(jq -r .rendered "$T/tr.out" | paste -sd'|')"
done

# --max
python3 -c 'import json
for i in range(50): print(json.dumps({"id": str(i), "messages": [{"role": "user", "content": "word " * (i * 10)}, {"role": "assistant", "content": "ok"}]}))' >"$T/many.jsonl"
tok-len -t "$TK" --no-template --max 200 --rejects "$T/rej.jsonl" "$T/many.jsonl" >"$T/kept.jsonl" 2>"$T/e"
t_eq "--max keeps the short ones" 20 "$(wc -l <"$T/kept.jsonl" | tr -d ' ')"
t_eq "--max rejects the rest as too_long" "30 too_long" "$(jq -r .reason "$T/rej.jsonl" | sort | uniq -c | tr -s ' ' | sed 's/^ //')"
t_grep "the summary counts them" "dropped 30 (too_long 30)" "$T/e"
t_eq "every kept record is within the limit" 0 "$(jq 'select(.n_tokens > 200)' "$T/kept.jsonl" | wc -l | tr -d ' ')"
t_eq "-j 3 keeps order and counts" "$(tok-len -q -t "$TK" "$T/many.jsonl" | md5sum)" "$(tok-len -q -j 3 -t "$TK" "$T/many.jsonl" | md5sum)"
head -30 "$T/many.jsonl" >"$T/badmid.jsonl"; echo 'not json' >>"$T/badmid.jsonl"; tail -5 "$T/many.jsonl" >>"$T/badmid.jsonl"
tok-len -q -t "$TK" -j 1 "$T/badmid.jsonl" >"$T/bm1" 2>"$T/bm1.err"
tok-len -q -t "$TK" -j 3 "$T/badmid.jsonl" >"$T/bm3" 2>"$T/bm3.err"
t_eq "a bad line stops -j 3 where it stops -j 1, after the same records" "30 30" "$(wc -l <"$T/bm1" | tr -d ' ') $(wc -l <"$T/bm3" | tr -d ' ')"
t_eq "with the same message" "$(cat "$T/bm1.err")" "$(cat "$T/bm3.err")"
t_grep "naming the line" "badmid.jsonl:31: invalid JSON" "$T/bm3.err"
tok-len -q -t "$TK" -j 3 --skip-bad --rejects "$T/bmr.jsonl" "$T/badmid.jsonl" >/dev/null
t_eq "with --skip-bad -j 3 its reject names its own line, not the batch's last" "31 bad_json" "$(jq -r '"\(.line) \(.reason)"' "$T/bmr.jsonl")"
# -j's pipeline (workers started once, the reader ahead of them, the writer
# behind): its edges give what -j 1 gives, byte for byte, message for message
python3 -c 'import json
for i in range(3000): print(json.dumps({"id": str(i), "messages": [{"role": "user", "content": "q%d " % i + "word " * (i * 7 % 300)}, {"role": "assistant", "content": "ok " * (i % 40 + 1)}]}))' >"$T/long.jsonl"
j1_j2() {   # name, input, options: -j 1 and -j 2 alike (output, rejects, status, stderr)
	n=$1 in=$2; shift 2
	tok-len -q -t "$TK" -j 1 --summary "$T/p1.sum" --rejects "$T/p1.rej" "$@" "$in" >"$T/p1.out" 2>"$T/p1.err"; s1=$?
	tok-len -q -t "$TK" -j 2 --summary "$T/p2.sum" --rejects "$T/p2.rej" "$@" "$in" >"$T/p2.out" 2>"$T/p2.err"; s2=$?
	# the summaries' counts (not their times; after a fatal line -j 2 has read ahead)
	if [ $s1 = 0 ] && [ "$(jq -c 'del(.seconds)' "$T/p1.sum")" != "$(jq -c 'del(.seconds)' "$T/p2.sum")" ]; then s2="$s2, summaries differ"; fi
	if [ $s1 = $s2 ] && cmp -s "$T/p1.out" "$T/p2.out" && cmp -s "$T/p1.rej" "$T/p2.rej" && cmp -s "$T/p1.err" "$T/p2.err"; then
		echo "ok - -j 2 as -j 1: $n"
	else
		echo "not ok - -j 2 as -j 1: $n"; echo "  status $s1/$s2; $(wc -l <"$T/p1.out")/$(wc -l <"$T/p2.out") lines" >&2; diff "$T/p1.err" "$T/p2.err" >&2
	fi
}
j1_j2 "3000 records, more than the ring holds, in order" "$T/long.jsonl" --max 200
: >"$T/empty.jsonl"
j1_j2 "empty input" "$T/empty.jsonl"
t_grep "empty input: read 0" '"read":0,"kept":0,"dropped":0' "$T/p2.sum"
head -1 "$T/long.jsonl" >"$T/one.jsonl"
j1_j2 "one record" "$T/one.jsonl"
t_eq "one record: one line out" 1 "$(wc -l <"$T/p2.out" | tr -d ' ')"
{ head -1234 "$T/long.jsonl"; echo '[1,2]'; tail -n +1235 "$T/long.jsonl"; } >"$T/badlong.jsonl"
j1_j2 "a bad line deep in the stream stops both after the same records" "$T/badlong.jsonl"
t_eq "the 1234 records before it are written, none after" 1234 "$(wc -l <"$T/p2.out" | tr -d ' ')"
t_status "and -j 2 exits 1" 1 tok-len -q -t "$TK" -j 2 "$T/badlong.jsonl"
t_grep "naming its line" "badlong.jsonl:1235: record is not a JSON object" "$T/p2.err"
awk 'NR % 397 == 5 { print "{bad" } { print }' "$T/long.jsonl" >"$T/manybad.jsonl"
j1_j2 "--skip-bad with a bad line every 397: the same rejects, each at its own line" "$T/manybad.jsonl" --skip-bad
t_eq "the rejects name the bad lines" "$(awk '/^\{bad/ { print NR }' "$T/manybad.jsonl" | paste -sd' ')" "$(jq -r 'select(.reason == "bad_json") | .line' "$T/p2.rej" | paste -sd' ')"
t_grep "and the summary counts them" '"bad_json":8' "$T/p2.sum"
python3 -c 'import json
for i in range(12): print(json.dumps({"id": str(i), "messages": [{"role": "user", "content": ("big %d " % i) * (400000 if i % 4 == 1 else 3)}, {"role": "assistant", "content": "ok"}]}))' >"$T/bigrec.jsonl"
j1_j2 "records of 2.4 MB among small ones (past the in-flight byte bound)" "$T/bigrec.jsonl" --ids
j1_j2 "several inputs, a bad line in the second: its own file and line" "$T/one.jsonl" "$T/badmid.jsonl" "$T/long.jsonl"
t_grep "the message names the second file" "badmid.jsonl:31: invalid JSON" "$T/p2.err"
# memory: with --max, counting stops past the limit and keeps no ids, so a
# 40 MB record (words) and one 20 MB word, both too long, fit in 280 MB of
# address space under either trainer (both need about 250 MB: the tokenizer,
# the reader's line, one render and the reject's copy). The line is counted
# where it was read, pieces where they were rendered, and nemo-rl keeps no
# previous render once past the limit; before, none needed 282 MB and
# nemo-rl 412 MB (and earlier still over 1 GB)
if [ -z "${SANITIZE:-}" ]; then
	python3 -c 'import json, random
r = random.Random(7)
words = ["".join(r.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(r.randint(1, 9))) for _ in range(5000)]
s = "".join(r.choice(words) + r.choice(" " * 12 + "\n,.;()") for _ in range(6000000))
print(json.dumps({"id": "big", "messages": [{"role": "user", "content": s}, {"role": "assistant", "content": "ok"}]}))
print(json.dumps({"id": "word", "messages": [{"role": "user", "content": "ab" * 10000000}, {"role": "assistant", "content": "ok"}]}))
print(json.dumps({"id": "small", "messages": [{"role": "user", "content": "Hello world"}, {"role": "assistant", "content": "Hi!"}]}))' >"$T/huge.jsonl"
	for tr in none nemo-rl; do
		sh -c "ulimit -v 280000; tok-len -q -t '$TK' --trainer $tr --max 8192 --rejects '$T/hrej.jsonl' '$T/huge.jsonl'" >"$T/hkept.jsonl" 2>"$T/herr"
		t_eq "--trainer $tr: a 40 MB record and a 20 MB word under a 280 MB memory limit: too_long, the small one kept" \
			"big too_long, word too_long; small" \
			"$(jq -r '.id + " " + .reason' "$T/hrej.jsonl" | paste -sd, - | sed 's/,/, /'); $(jq -r .id "$T/hkept.jsonl")"
	done
	t_grep "the reject says the count is a lower bound" '"detail":"at least ' "$T/hrej.jsonl"
else
	t_skip "memory limit test" "sanitizer builds reserve more address space than the limit"
fi

# errors
echo '{"model":{"type":"Unigram","vocab":[]}}' >"$T/bad.json"
t_status "unsupported model: exit 1" 1 tok-len -t "$T/bad.json" "$T/in.jsonl"
t_grep "and says what" "unsupported: model Unigram" "$T/.err"
head -c 5000 "$TK/tokenizer.json" >"$T/trunc.json"
t_status "truncated tokenizer.json: exit 1" 1 tok-len -t "$T/trunc.json" "$T/in.jsonl"
printf '{"a":1}\n{"b":2}\n' >"$T/notjson.json"
t_status "a JSONL file given as the tokenizer: exit 1" 1 tok-len -t "$T/notjson.json" "$T/in.jsonl"
t_grep "the message gives the position once" "found '{' at byte 9\$" "$T/.err"
mkdir -p "$T/badcfg" && cp "$TK/tokenizer.json" "$T/badcfg/" && echo '{"chat_template": "{{ x' >"$T/badcfg/tokenizer_config.json"
t_status "a damaged tokenizer_config.json stops, not counted without its template" 1 tok-len -t "$T/badcfg" "$T/in.jsonl"
t_grep "and names the file" "badcfg/tokenizer_config.json" "$T/.err"
t_status "-j 2^32+1 is not taken as 1" 2 tok-len -t "$TK" -j 4294967297 "$T/in.jsonl"
t_grep "number options say what they expected, as every tool does" "^tok-len: --jobs: expected an integer from 1 to 256, found '4294967297'\$" "$T/.err"
t_status "--max -1: usage error" 2 tok-len -t "$TK" --max -1 "$T/in.jsonl"
t_grep "naming --max and its range" "^tok-len: --max: expected an integer from 0 to 9223372036854775807, found '-1'\$" "$T/.err"
t_status "--max 12x: usage error" 2 tok-len -t "$TK" --max 12x "$T/in.jsonl"
t_status "-j '': usage error" 2 tok-len -t "$TK" -j '' "$T/in.jsonl"
t_status "--max 2^63: usage error, not saturated" 2 tok-len -t "$TK" --max 9223372036854775808 "$T/in.jsonl"
t_status "no --tokenizer: usage error" 2 tok-len "$T/in.jsonl"
echo '{"id":"x","messages":"nope"}' | tok-len -q -t "$TK" --rejects "$T/r2" >/dev/null
t_eq "a record without a messages list is rejected" no_messages "$(jq -r .reason "$T/r2")"

# the reference renderings (Python jinja2, what transformers uses) and their counts
S="$SHARED/tokenizers"
if [ -d "$S" ]; then
	for m in qwen2_5 qwen3 llama3_1; do
		tok-len -q -t "$S/$m" "$S/chat.jsonl" >"$T/$m.jsonl"
		t_eq "$m: chat counts equal the template's on all 300 conversations" "300 0" "$(python3 - "$T/$m.jsonl" "$S/$m/expected/$m.chat.jsonl" <<'PY'
import json, sys
ok = bad = 0
for o, e in zip(open(sys.argv[1]), open(sys.argv[2])):
    o, e = json.loads(o), json.loads(e)
    if "error" in e: continue
    if o["n_tokens"] == e.get("jinja2_n", e["n"]): ok += 1
    else: bad += 1
print(ok, bad)
PY
)"
	done
else
	t_skip "chat counts against the reference renderings" "$S absent"
fi

# --trainer nemo-rl against the oracle (tests/fixtures/tok/nemo-rl: Python
# jinja2 as transformers sets it up, NeMo RL's get_formatted_message_log, the
# official tokenizers), every run of runs.tsv, every conversation
F="$SFTKIT_ROOT/tests/fixtures/tok/nemo-rl"
if [ -d "$S" ]; then
	grep -v '^#' "$F/runs.tsv" | while IFS='	' read -r name model tpl inp opts; do
		[ "$inp" = chat ] && inp="$S/chat.jsonl" || inp="$F/$inp"
		[ "$tpl" = - ] && tf= || tf="--template $F/$tpl"
		jq -c --slurp 'to_entries[] | .value + {k: .key}' "$inp" >"$T/nr.in"
		# shellcheck disable=SC2086
		tok-len -q -t "$S/$model" $tf --trainer nemo-rl $opts --rejects "$T/nr.rej" "$T/nr.in" >"$T/nr.out"
		t_eq "nemo-rl $name: every length (or template_error) as NeMo RL's" "ok" "$(python3 - "$T/nr.out" "$T/nr.rej" "$F/expected/$name.jsonl" <<'PY'
import json, sys
got = {}
for l in open(sys.argv[1]):
    r = json.loads(l); got[r["k"]] = r["n_tokens"]
for l in open(sys.argv[2]):
    r = json.loads(l); got[r["k"]] = "error" if r["reason"] == "template_error" else r["reason"]
bad = []
for k, l in enumerate(open(sys.argv[3])):
    e = json.loads(l)
    want = "error" if "error" in e else e["n"]
    if got.get(k) != want: bad.append("line %d: %s, want %s" % (k, got.get(k), want))
print("ok" if not bad and len(got) == k + 1 else "; ".join(bad[:5]) + " (%d differ)" % len(bad))
PY
)"
	done
else
	t_skip "nemo-rl lengths against the oracle" "$S absent"
fi
