# The record tools: to-messages presets and mappings, drop-multimodal and
# drop-tool-use rules (one check each, and the kept look-alikes), sft-check.
. "$SFTKIT_ROOT/tests/cli/lib.sh"

# --- to-messages ---
printf '%s\n' '{"problem":"1+1?","generated_solution":"It is $\\boxed{2}$.","expected_answer":"2","problem_source":"math"}' >"$T/om.jsonl"
t_eq "openmath preset" '{"id":"nvidia/OpenMathInstruct-2/0","source":"nvidia/OpenMathInstruct-2","messages":[{"role":"user","content":"1+1?"},{"role":"assistant","content":"It is $\\boxed{2}$."}]}' \
	"$(to-messages -q --preset openmath "$T/om.jsonl")"
echo '{"instruction":"Write hello","response":"print(1)"}' >"$T/mc.jsonl"
t_eq "magicoder preset, --source" '{"id":"mc/0","source":"mc","messages":[{"role":"user","content":"Write hello"},{"role":"assistant","content":"print(1)"}]}' \
	"$(to-messages -q --preset magicoder --source mc "$T/mc.jsonl")"
echo '{"id":"d1","messages":[{"content":"hi","function_calls":null,"functions":null,"role":"user"},{"content":"hello","function_calls":null,"functions":null,"role":"assistant"}],"domain":"Coding","source_dataset":"x"}' >"$T/d.jsonl"
to-messages -q --preset dolci "$T/d.jsonl" >"$T/o"
t_grep "dolci preset keeps the id" '"id":"d1"' "$T/o"
t_grep "dolci preset keeps domain and source_dataset" '"domain":"Coding","source_dataset":"x"' "$T/o"
echo '{"id":"d2","messages":[{"content":"hi","function_calls":null,"functions":"[{\"name\":\"f\"}]","role":"user"},{"content":"x","role":"environment"},{"content":"hello","function_calls":null,"functions":null,"role":"assistant"}],"domain":"Chat","source_dataset":"x"}' >"$T/d2.jsonl"
to-messages -q --preset dolci "$T/d2.jsonl" >"$T/o"
t_grep "dolci preset keeps OLMo tool members for drop-tool-use" '"functions":"\[{' "$T/o"
t_grep "dolci preset keeps the environment role" '"role":"environment"' "$T/o"
t_eq "so drop-tool-use drops it" 0 "$(drop-tool-use -q "$T/o" | wc -l | tr -d ' ')"
printf '%s\n' '{"id":"1/A","messages":[{"role":"user","content":"solve"},{"role":"assistant","content":"<think>\nhmm\n</think>\n\nanswer"}]}' >"$T/cf.jsonl"
t_grep "codeforces preset keeps <think>" '<think>' "$(to-messages -q --preset codeforces "$T/cf.jsonl" >"$T/o"; echo "$T/o")"
t_grep "--strip-think removes it" '"content":"answer"' "$(to-messages -q --preset codeforces --strip-think "$T/cf.jsonl" >"$T/o"; echo "$T/o")"
printf '%s\n' '{"id":"1/A","finish_reason":"stop","messages":[{"role":"user","content":"q"},{"role":"assistant","content":"<think>x</think>a"}]}' \
	'{"id":"1/A","finish_reason":"length","messages":[{"role":"user","content":"q"},{"role":"assistant","content":"<think>x"}]}' \
	'{"id":"1/A","messages":[{"role":"user","content":"q"},{"role":"assistant","content":"b"}]}' >"$T/cf3.jsonl"
to-messages -q --preset codeforces --rejects "$T/cf3-rej.jsonl" "$T/cf3.jsonl" >"$T/o"
t_eq "codeforces ids are the problem and the row (a problem has several traces)" "1/A/0 1/A/2" "$(jq -r .id "$T/o" | tr '\n' ' ' | sed 's/ $//')"
t_eq "a trace cut off (finish_reason length) is rejected as truncated" "truncated finish_reason is 'length', not 'stop'" "$(jq -r '.reason + " " + .detail' "$T/cf3-rej.jsonl")"
echo '{"q":"a","a":"b","sys":"be nice","k":7}' >"$T/g.jsonl"
t_eq "generic mapping with --system and --keep" '{"id":"s/0","source":"s","messages":[{"role":"system","content":"be nice"},{"role":"user","content":"a"},{"role":"assistant","content":"b"}],"k":7}' \
	"$(to-messages -q --source s --user q --assistant a --system sys --keep k "$T/g.jsonl")"
# bad lines: cli's bad-record path, as in every tool; a bad line keeps its row number
printf '{"q":"a","a":"b"}\n[1]\n{bad\n{"q":"c","a":"d"}\n' >"$T/tmbad.jsonl"
t_status "a line that is not an object stops to-messages" 1 to-messages -q --source s --user q --assistant a "$T/tmbad.jsonl"
t_grep "in cli's words" "^to-messages: $T/tmbad.jsonl:2: record is not a JSON object\$" "$T/.err"
to-messages -q --source s --user q --assistant a --skip-bad --rejects "$T/tmbad-rej.jsonl" "$T/tmbad.jsonl" >"$T/o"
t_eq "--skip-bad: the rows after keep their numbers" "s/0 s/3" "$(jq -r .id "$T/o" | tr '\n' ' ' | sed 's/ $//')"
t_eq "and the rejects say why as every tool does" "bad_json record is not a JSON object|bad_json invalid JSON: expected a string key, found 'b' at byte 2" \
	"$(jq -r '.reason + " " + .detail' "$T/tmbad-rej.jsonl" | paste -sd'|')"
t_status "a --jq program that does not compile: usage error" 2 to-messages --jq '.foo | bar' "$T/g.jsonl"
t_eq "with libjq's reason in to-messages' words" "to-messages: --jq: bar/0 is not defined at <top-level>, line 1" "$(head -1 "$T/.err")"
t_eq "--jq program, id and source filled in" '{"messages":[{"role":"user","content":"a"},{"role":"assistant","content":"b"}],"id":"j/0","source":"j"}' \
	"$(to-messages -q --source j --jq '{messages:[{role:"user",content:.q},{role:"assistant",content:.a}]}' "$T/g.jsonl")"
printf '%s\n' '{"problem":"x"}' '{"problem":null,"generated_solution":"y"}' '{"problem":"x","generated_solution":"  "}' \
	'{"problem":"x","generated_solution":5}' >"$T/bad.jsonl"
to-messages --preset openmath --rejects "$T/rej.jsonl" "$T/bad.jsonl" >"$T/o" 2>"$T/e"
t_eq "broken rows are all rejected" 0 "$(wc -l <"$T/o" | tr -d ' ')"
t_eq "each with its reason" "missing_field null_content empty_content non_string_content" "$(jq -r .reason "$T/rej.jsonl" | tr '\n' ' ' | sed 's/ $//')"
t_grep "summary counts reasons" "read 4, kept 0, dropped 4" "$T/e"
echo '{"messages":[{"role":"user","content":"hi"}]}' >"$T/na.jsonl"
t_eq "no final assistant turn is rejected" "no_final_assistant" "$(to-messages -q --messages messages --rejects "$T/r2" "$T/na.jsonl"; jq -r .reason "$T/r2")"
t_eq "--jq: outputs that are not records are rejected, each with its reason" "not_a_record bad_record jq_empty" \
	"$(echo '{"q":"a"}' | to-messages -q --rejects "$T/r3" --jq '1, {id:1,messages:[{role:"user",content:.q},{role:"assistant",content:"b"}]}' >/dev/null
	   echo '{"q":"a"}' | to-messages -q --rejects "$T/r4" --jq 'empty' >/dev/null
	   cat "$T/r3" "$T/r4" | jq -r .reason | tr '\n' ' ' | sed 's/ $//')"
# every reason the code can give is listed in --help and to-messages(1)
# (bad_spec cannot happen from the command line: the options are checked first)
# --jq outputs beyond the first are records read, kept or dropped: the counts add up
echo '{"q":"a"}' | to-messages --jq '{id:"1",messages:[{role:"user",content:.q},{role:"assistant",content:"b"}]}, 1, 2' >/dev/null 2>"$T/je"
t_grep "--jq: a record and two non-records from one row: read 3, kept 1, dropped 2" "read 3, kept 1, dropped 2 (not_a_record 2)" "$T/je"
echo '{"q":"a"}' | to-messages --jq '{id:"1",messages:[{role:"user",content:.q},{role:"assistant",content:"b"}]}, error("x")' >/dev/null 2>"$T/je"
t_grep "--jq: an error after an output is one more drop" "read 2, kept 1, dropped 1 (jq_error 1)" "$T/je"
# The reasons are found in the code by the shapes it gives them in; the list
# it finds is held to the known one, so a change of shape that hides a reason
# from the grep (or a new reason) fails here instead of checking nothing.
# cli_bad_record gives cli's bad_json without naming it.
to-messages --help >"$T/help"
found=$({ grep -ohE '(fail\(reason, |\*reason = |cli_drop\(&c, line, len, |fn\(ctx, NULL, 0, )"[a-z_]+"' \
		"$SFTKIT_ROOT/src/lib/convert.c" "$SFTKIT_ROOT/src/tools/to-messages.c" | grep -oE '"[a-z_]+"' | tr -d '"'
	grep -q 'cli_bad_record(' "$SFTKIT_ROOT/src/tools/to-messages.c" && echo bad_json; } | sort -u | tr '\n' ' ')
t_eq "to-messages: the reasons found in the code are the known ones" \
	"answer_mismatch bad_json bad_message bad_messages bad_record bad_role bad_spec empty_content empty_messages jq_empty jq_error missing_content missing_field no_final_assistant non_string_content not_a_record null_content short_solution truncated unclosed_think " "$found"
for r in $found; do
	[ "$r" = bad_spec ] && continue
	t_grep "to-messages --help lists reason $r" "$r" "$T/help"
	t_grep "to-messages(1) lists reason $r" "^\.Sq $r" "$SFTKIT_ROOT/man/man1/to-messages.1"
done

# --- drop-multimodal: one check per rule, and the kept look-alikes ---
mm() { printf '{"messages":[{"role":"user","content":%s},{"role":"assistant","content":"ok"}]}\n' "$1"; }
mmcase() { # name json-string-content expected-reason-or-keep
	mm "$2" >"$T/mm.jsonl"
	got=$(drop-multimodal -q --rejects "$T/mmr" "$T/mm.jsonl" >/dev/null; if [ -s "$T/mmr" ]; then jq -r .reason "$T/mmr"; else echo keep; fi)
	t_eq "drop-multimodal: $1" "$3" "$got"
}
mmcase "<image> placeholder" '"<image>\nWhat is this?"' multimodal_placeholder
mmcase "numbered <image_1>" '"Compare <image_1> and <image_2>"' multimodal_placeholder
mmcase "Qwen vision tokens" '"<|vision_start|><|image_pad|><|vision_end|> describe"' multimodal_placeholder
mmcase "markdown image" '"See ![chart](http://x/c.png)"' multimodal_markdown_image
mmcase "HTML img tag" '"<img src=\"cat.jpg\"> what breed?"' multimodal_html_img
mmcase "data URI (64+ base64 chars)" '"data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="' multimodal_data_uri
mmcase "data URI inside code is still dropped" '"```\ndata:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==\n```"' multimodal_data_uri
mmcase "talk about images is kept" '"How do I resize an image with PIL?"' keep
mmcase "<img> inside a code block is kept" '"```html\n<img src=\"a.png\">\n```"' keep
mmcase "<image> in inline code is kept" '"the `<image>` token in LLaVA"' keep
mmcase "a markdown link is kept" '"see [the docs](http://x)"' keep
mmcase "a placeholder written with escapes (\\u003c for <, as Go writes it)" '"\u003cimage\u003e what is it?"' multimodal_placeholder
mmcase "a placeholder among json.dumps-escaped text" '"caf\u00e9 <image> \u4e2d\u6587 \ud83d\ude00"' multimodal_placeholder
mmcase "and in inline code among it, kept" '"caf\u00e9 `<image>` \u4e2d\u6587 \ud83d\ude00"' keep
# a content list serialised into the content string: dropped when the whole
# string (whitespace aside) is the list; shown in a fence or in prose, kept
mmcase "serialised content list in a string" '"[{\"type\": \"image_url\", \"image_url\": {\"url\": \"https://x/x.png\"}}, {\"type\": \"text\", \"text\": \"Describe the diagram\"}]"' multimodal_part
mmcase "serialised list, whitespace around, audio part second" '"  \n[{\"type\": \"text\", \"text\": \"hi\"}, {\"type\":\"input_audio\",\"input_audio\":{\"data\":\"UklGRg==\"}}]\n"' multimodal_part
mmcase "serialised list as Python's repr" "\"[{'type': 'image_url', 'image_url': {'url': 'https://x/x.png'}}, {'type': 'text', 'text': 'Describe'}]\"" multimodal_part
mmcase "serialised messages list with an image part" '"[{\"role\":\"user\",\"content\":[{\"type\":\"image\"},{\"type\":\"text\",\"text\":\"what?\"}]}]"' multimodal_part
mmcase "a lone serialised image part" '"{\"type\":\"image_url\",\"image_url\":{\"url\":\"x\"}}"' multimodal_part
mmcase "serialised list written with \\u escapes (\\u005b for [)" '"\u005b{\"type\":\"video_url\",\"video_url\":{\"url\":\"v.mp4\"}}]"' multimodal_part
mmcase "serialised list in a text part" '[{"type":"text","text":"[{\"type\":\"file\",\"file\":{\"file_id\":\"f1\"}}]"}]' multimodal_part
mmcase "the list in a json fence is kept" '"```json\n[{\"type\": \"image_url\", \"image_url\": {\"url\": \"https://x/x.png\"}}]\n```"' keep
mmcase "the list after prose is kept" '"Why does this fail? [{\"type\": \"image_url\", \"image_url\": {\"url\": \"https://x/x.png\"}}]"' keep
mmcase "the list before prose is kept" '"[{\"type\": \"image_url\", \"image_url\": {\"url\": \"https://x/x.png\"}}] why does this fail?"' keep
mmcase "a serialised list of text parts only is kept" '"[{\"type\": \"text\", \"text\": \"hi\"}]"' keep
mmcase "a JSON object with an image member but no part type is kept" '"{\"name\": \"web\", \"image\": \"nginx:1.25\"}"' keep
mmcase "a lone object is media by its type only" '"{\"type\": \"container\", \"image\": \"nginx:1.25\"}"' keep
mmcase "a JSON array of numbers is kept" '"[1, 2, 3]"' keep
printf '{"messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"http://x"}},{"type":"text","text":"hi"}]},{"role":"assistant","content":"ok"}]}\n' >"$T/mm.jsonl"
t_eq "drop-multimodal: content part" multimodal_part "$(drop-multimodal -q --rejects "$T/mmr" "$T/mm.jsonl" >/dev/null; jq -r .reason "$T/mmr")"
printf '{"images":["a.png"],"messages":[{"role":"user","content":"hi"},{"role":"assistant","content":"ok"}]}\n' >"$T/mm.jsonl"
t_eq "drop-multimodal: images member" multimodal_field "$(drop-multimodal -q --rejects "$T/mmr" "$T/mm.jsonl" >/dev/null; jq -r .reason "$T/mmr")"
mm '"plain"' >"$T/keep.jsonl"
t_eq "kept records pass byte for byte" "$(cat "$T/keep.jsonl")" "$(drop-multimodal -q "$T/keep.jsonl")"

# --- drop-tool-use ---
tu() { printf '%s\n' "$2" >"$T/tu.jsonl"
	got=$(drop-tool-use -q --rejects "$T/tur" "$T/tu.jsonl" >/dev/null; if [ -s "$T/tur" ]; then jq -r .reason "$T/tur"; else echo keep; fi)
	t_eq "drop-tool-use: $1" "$3" "$got"; }
tu "OLMo functions member" '{"messages":[{"role":"system","content":"x","functions":"[{\"name\":\"f\"}]"},{"role":"user","content":"hi"},{"role":"assistant","content":"ok"}]}' tool_field
tu "OLMo environment role" '{"messages":[{"role":"user","content":"hi"},{"role":"environment","content":"{}"},{"role":"assistant","content":"ok"}]}' tool_role
tu "OpenAI tool_calls" '{"messages":[{"role":"user","content":"hi"},{"role":"assistant","content":"","tool_calls":[{"id":"1"}]},{"role":"tool","content":"1"},{"role":"assistant","content":"ok"}]}' tool_field
tu "record tools member" '{"tools":[{"type":"function"}],"messages":[{"role":"user","content":"hi"},{"role":"assistant","content":"ok"}]}' tool_field
tu "tool_use content part" '{"messages":[{"role":"user","content":"hi"},{"role":"assistant","content":[{"type":"tool_use","id":"t1","name":"f","input":{}}]},{"role":"assistant","content":"ok"}]}' tool_part
tu "function_call_output content part" '{"messages":[{"role":"user","content":[{"type":"function_call_output","call_id":"1","output":"3"}]},{"role":"assistant","content":"ok"}]}' tool_part
tu "<tool_call> in a text part" '{"messages":[{"role":"user","content":"hi"},{"role":"assistant","content":[{"type":"text","text":"<tool_call>{}</tool_call>"}]}]}' tool_text
tu "a text part about tool_use is kept" '{"messages":[{"role":"user","content":[{"type":"text","text":"what is a tool_use block?"}]},{"role":"assistant","content":"A content block."}]}' keep
tu "<tool_call> in text" '{"messages":[{"role":"user","content":"hi"},{"role":"assistant","content":"<tool_call>{\"name\":\"f\"}</tool_call>"}]}' tool_text
tu "ReAct trace" '{"messages":[{"role":"user","content":"hi"},{"role":"assistant","content":"Thought: x\nAction: search[a]\nObservation: b\nFinal"}]}' tool_react_trace
tu "null OLMo members are kept" '{"messages":[{"role":"user","content":"hi","functions":null,"function_calls":null},{"role":"assistant","content":"ok","functions":null,"function_calls":null}]}' keep
tu "<tool_call> in a code block is kept" '{"messages":[{"role":"user","content":"parse this"},{"role":"assistant","content":"```python\ns = \"<tool_call>\"\n```"}]}' keep

# --- the keep/drop filters' shared main (cli_filter_main): the same options,
# accounting, rejects and errors for each, a record each drops ---
filter_main() { # tool reason record-it-drops
	printf '%s\n' '{"messages":[{"role":"user","content":"hi"},{"role":"assistant","content":"ok"}]}' "$3" 'not json' >"$T/fm.jsonl"
	"$1" --skip-bad --rejects "$T/fmr" --summary "$T/fms" "$T/fm.jsonl" >"$T/fmo" 2>"$T/fme"
	t_eq "$1: --skip-bad exits 0" 0 $?
	t_eq "$1: the clean record passes byte for byte" "$(head -1 "$T/fm.jsonl")" "$(cat "$T/fmo")"
	t_grep "$1: the summary line adds up" "^$1: read 3, kept 1, dropped 2 ($2 1, bad_json 1) in " "$T/fme"
	t_eq "$1: --summary counts the reasons" "3 1 2 1 1" "$(jq -r '"\(.read) \(.kept) \(.dropped) \(.reasons.bad_json) \(.reasons.'"$2"')"' "$T/fms")"
	t_eq "$1: --rejects holds both, with their reasons" "$2 bad_json" "$(jq -r .reason "$T/fmr" 2>/dev/null | tr '\n' ' ' | sed 's/ $//')"
	t_status "$1: a line that is not JSON stops it" 1 "$1" -q "$T/fm.jsonl"
	t_grep "$1: naming file and line" "^$1: $T/fm.jsonl:3: " "$T/.err"
	t_eq "$1: -q silences the summary" "" "$(head -2 "$T/fm.jsonl" | "$1" -q 2>&1 >/dev/null)"
}
filter_main drop-multimodal multimodal_placeholder '{"messages":[{"role":"user","content":"<image> what?"},{"role":"assistant","content":"a cat"}]}'
filter_main drop-identity foreign_identity '{"messages":[{"role":"user","content":"who are you?"},{"role":"assistant","content":"I am ChatGPT."}]}'
filter_main drop-tool-use tool_role '{"messages":[{"role":"user","content":"hi"},{"role":"tool","content":"1"},{"role":"assistant","content":"ok"}]}'

# --- sft-check ---
printf '%s\n' '{"messages":[{"role":"user","content":"a"},{"role":"assistant","content":"b"}]}' \
	'{"messages":[{"role":"user","content":"a"}]}' '{"messages":[{"role":"robot","content":"a"},{"role":"assistant","content":"b"}]}' \
	'{"messages":[{"role":"user","content":"a"},{"role":"system","content":"s"},{"role":"assistant","content":"b"}]}' '{"messages":[]}' '{"x":1}' >"$T/sc.jsonl"
sft-check "$T/sc.jsonl" >"$T/o" 2>"$T/e"
t_eq "sft-check fails a bad set (exit 1)" 1 $?
t_eq "sft-check passes the valid record only" 1 "$(wc -l <"$T/o" | tr -d ' ')"
t_grep "sft-check names file:line: reason" "sc.jsonl:2: last_not_assistant" "$T/e"
t_grep "bad role" "sc.jsonl:3: bad_role" "$T/e"
t_grep "system not first" "sc.jsonl:4: system_not_first" "$T/e"
t_grep "empty messages" "sc.jsonl:5: empty_messages" "$T/e"
t_grep "no messages" "sc.jsonl:6: no_messages" "$T/e"
head -1 "$T/sc.jsonl" >"$T/ok.jsonl"
t_status "sft-check passes a valid set" 0 sft-check -q "$T/ok.jsonl"
printf '{"messages":[{"role":"user","content":"a"},{"role":"user","content":"a"},{"role":"assistant","content":"b"}]}\n' >"$T/alt.jsonl"
t_status "not alternating passes by default" 0 sft-check -q "$T/alt.jsonl"
t_status "--strict requires alternation" 1 sft-check -q --strict "$T/alt.jsonl"
t_status "--max-errors -1: usage error" 2 sft-check -q --max-errors -1 "$T/ok.jsonl"
t_grep "naming the value" "^sft-check: --max-errors: expected an integer from 0 to 18446744073709551615, found '-1'" "$T/.err"
t_status "--max-errors 0 reports all" 1 sft-check -q --max-errors 0 "$T/alt.jsonl" --strict
printf '%s\n' '{"messages":[{"role":"user","content":"a"},{"role":"assistant","content":" \u0020\n\u000A"}]}' >"$T/blank.jsonl"
sft-check -q "$T/blank.jsonl" 2>"$T/e"
t_grep "escaped whitespace is empty content to sft-check" "blank.jsonl:1: empty_content" "$T/e"
printf '%s\n' '{"problem":"p","generated_solution":"\u0009\r "}' | to-messages -q --preset openmath --rejects "$T/blank-rej.jsonl" >/dev/null
t_eq "and to to-messages, by the same rule" empty_content "$(jq -r .reason "$T/blank-rej.jsonl")"

# --- false positives on real code: 1240 code chunks of ../shared's corpus in fences ---
if [ -f "$SHARED/tokenizers/corpus.jsonl" ]; then
	python3 - "$SHARED/tokenizers" >"$T/code.jsonl" <<'PY'
import json, sys
d = sys.argv[1]
for m, l in zip(open(d + "/corpus.meta.jsonl"), open(d + "/corpus.jsonl")):
    m, t = json.loads(m), json.loads(l)["text"]
    if m["kind"] in ("c", "python", "rust", "js", "shell", "jq", "config"):
        c = "Here is the code:\n\n```\n%s\n```\n" % t.replace("```", "` ` `")
        print(json.dumps({"messages": [{"role": "user", "content": "Explain this."}, {"role": "assistant", "content": c}]}))
PY
	t_eq "1240 real code chunks in fences" 1240 "$(wc -l <"$T/code.jsonl" | tr -d ' ')"
	t_eq "drop-multimodal keeps all of them (0 false positives)" 1240 "$(drop-multimodal -q "$T/code.jsonl" | wc -l | tr -d ' ')"
	t_eq "drop-tool-use keeps all of them (0 false positives)" 1240 "$(drop-tool-use -q "$T/code.jsonl" | wc -l | tr -d ' ')"
else
	t_skip "false positives on real code" "$SHARED/tokenizers absent"
fi
# a record nested deeper than libjq's parser goes (256 levels in jq 1.6) is
# valid JSON: --jq rejects it as jq_error instead of passing jq an invalid value
python3 -c "
d='1'
for i in range(300): d='['+d+']'
print('{\"q\":\"x\",\"a\":\"y\",\"deep\":'+d+'}')
print('{\"q\":\"x2\",\"a\":\"y2\"}')" >"$T/deep.jsonl"
to-messages --jq '{messages:[{role:"user",content:.q},{role:"assistant",content:.a}]}' --rejects "$T/deep.rej" "$T/deep.jsonl" >"$T/o" 2>"$T/e"
t_eq "--jq on a record deeper than libjq reads: exit 0, not an abort" 0 $?
t_eq "the other record is converted" 1 "$(wc -l <"$T/o" | tr -d ' ')"
# (jq(1) itself cannot read the reject back: grep it)
t_grep "the deep one rejected as jq_error with libjq's reason" '"reason":"jq_error","detail":"libjq cannot read the record: Exceeds depth limit for parsing' "$T/deep.rej"
# running out of memory (a line without end, /dev/zero) is exit 1 naming the
# tool, the input and the line, not an abort (ASan's shadow memory does not
# fit under ulimit -v: not under SANITIZE=1)
if [ "${SANITIZE:-}" = 1 ]; then
	t_skip "out of memory: tool, file and line, exit 1" "ulimit -v and ASan do not mix"
else
	sh -c 'ulimit -v 400000; exec jsonl-check /dev/zero' >/dev/null 2>"$T/e"
	t_eq "an endless line under a memory limit: exit 1, not 134" 1 $?
	t_grep "naming tool, file and line" "^jsonl-check: /dev/zero:1: out of memory (allocating [0-9]* bytes)" "$T/e"
	printf '{"messages":[]}\n' >"$T/one.jsonl"
	sh -c 'ulimit -v 400000; cat "$1" /dev/zero | exec drop-tool-use' sh "$T/one.jsonl" >/dev/null 2>"$T/e"
	t_grep "the line is the one being read" "^drop-tool-use: <stdin>:2: out of memory" "$T/e"
fi
printf '{"messages":[]}\n' >"$T/one.jsonl"
drop-multimodal <"$T/one.jsonl" >&- 2>"$T/e"
t_eq "a filter with stdout closed: exit 1" 1 $?
t_grep "saying so" "^drop-multimodal: write error on standard output: Bad file descriptor" "$T/e"
# a failed run says what it had done, and leaves no 0-byte --summary
printf '{"messages":[]}\n{bad\n' | drop-tool-use >/dev/null 2>"$T/e"
t_grep "a run stopped by bad input still prints its counts" "^drop-tool-use: read 2, kept 1, dropped 0 in [0-9.]*s, then stopped by the error above" "$T/e"
sh -c 'trap "" XFSZ; ulimit -f 0; exec drop-tool-use --summary "$1" "$2"' sh "$T/sum.json" "$T/one.jsonl" >/dev/null 2>"$T/e"
t_eq "a --summary that cannot be written: exit 1" 1 $?
t_ok "and no empty summary is left" test ! -e "$T/sum.json"
t_eq "nor its temp file" "" "$(ls "$T" | grep 'sum.json')"
# tok-len: a tokenizer regex that fails (PCRE2's JIT stack) stops the run
# instead of splitting the rest of the text as one piece; a chat_template that
# is a number, or given twice, is refused
mkdir -p "$T/tkdeep"
printf '%s' '{"added_tokens":[],"normalizer":null,"pre_tokenizer":{"type":"Split","pattern":{"Regex":"(?:(a)|b)*z|a"},"behavior":"Isolated","invert":false},"post_processor":null,"model":{"type":"BPE","byte_fallback":false,"vocab":{"a":0,"b":1,"z":2},"merges":[]}}' >"$T/tkdeep/tokenizer.json"
python3 -c 'import json; print(json.dumps({"messages":[{"role":"user","content":"a"*(1<<20)},{"role":"assistant","content":"z"}]}))' >"$T/longa.jsonl"
tok-len -t "$T/tkdeep" --no-template "$T/longa.jsonl" >/dev/null 2>"$T/e"
t_eq "tok-len on a regex match error: exit 1" 1 $?
t_grep "naming the line and PCRE2's reason" "longa.jsonl:1: .*a tokenizer regex failed on this text (PCRE2: JIT stack limit reached)" "$T/e"
mkdir -p "$T/tkcfg"
cp "$T/tkdeep/tokenizer.json" "$T/tkcfg/"
printf '{"chat_template": 5}\n' >"$T/tkcfg/tokenizer_config.json"
t_status "a numeric chat_template: exit 1" 1 tok-len -t "$T/tkcfg" "$T/one.jsonl"
t_grep "saying so" "tokenizer_config.json: chat_template is not a string or a list of named templates" "$T/.err"
printf '{"chat_template": "{{ 1 }}", "chat_template": "{{ 2 }}"}\n' >"$T/tkcfg/tokenizer_config.json"
t_status "a chat_template given twice: exit 1" 1 tok-len -t "$T/tkcfg" "$T/one.jsonl"
t_grep "saying so" "tokenizer_config.json: chat_template is given 2 times" "$T/.err"
