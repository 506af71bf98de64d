# bench_records.sh — the keep/drop filters and to-messages against jq 1.6
# programs doing the same job on the same >= 100 MB input, in the same run;
# drop-identity, which has no jq peer, against drop-multimodal.
set -eu
. "$SFTKIT_ROOT/tests/bench/lib.sh"
MB=${BENCH_MB:-150}
IN="$BENCH_DIR/chat-$MB.jsonl"
[ -s "$IN" ] || python3 "$SFTKIT_ROOT/tests/bench/gen_chat.py" "$MB" >"$IN"
size=$(stat -c %s "$IN")
cat "$IN" >/dev/null
echo "input: $(mbps "$size" 1) MB of chat JSONL, $(wc -l <"$IN") records"

# best of N runs (sh -c CMD): this machine's timings vary by 30% from one
# run to the next, in bursts of a second or so. A filter run takes 0.15 s and
# a jq run 5 s, which averages the bursts out by itself: the filters get 9
# runs (BENCH_RUNS), jq 3 (BENCH_PEER_RUNS).
best_of() {
	m=; i=0
	while [ $i -lt "$1" ]; do
		t=$(bench_time "$2"); m=$(echo "${m:-$t} $t" | awk '{print ($1<$2)?$1:$2}'); i=$((i + 1))
	done
	echo "$m"
}
best() { best_of "${BENCH_RUNS:-9}" "$1"; }
best_peer() { best_of "${BENCH_PEER_RUNS:-3}" "$1"; }
row() { printf '%-40s %8s MB/s\n' "$1" "$(mbps "$size" "$2")"; }
# both filters and their jq programs (JQ_MM, JQ_TU below) on FILE, rows labelled LABEL
filters_vs_jq() {
	t1=$(best "drop-multimodal -q '$1' >/dev/null")
	t2=$(best_peer "jq -c '$JQ_MM' '$1' >/dev/null")
	row "sftkit drop-multimodal ($2)" "$t1"; row "jq 1.6 select(no media)" "$t2"
	echo "ratio drop-multimodal vs jq, $2: $(ratio "$t2" "$t1")x"
	t1=$(best "drop-tool-use -q '$1' >/dev/null")
	t2=$(best_peer "jq -c '$JQ_TU' '$1' >/dev/null")
	row "sftkit drop-tool-use ($2)" "$t1"; row "jq 1.6 select(no tools)" "$t2"
	echo "ratio drop-tool-use vs jq, $2: $(ratio "$t2" "$t1")x"
	identity_vs_mm "$1" "$2"
}
# drop-identity against drop-multimodal on FILE (DESIGN.md: >= 0.5x its speed),
# their runs interleaved so that both see the same bursts
identity_vs_mm() {
	m1=; m2=; i=0
	while [ $i -lt "${BENCH_RUNS:-9}" ]; do
		a=$(bench_time "drop-multimodal -q '$1' >/dev/null"); b=$(bench_time "drop-identity -q '$1' >/dev/null")
		m1=$(echo "${m1:-$a} $a" | awk '{print ($1<$2)?$1:$2}'); m2=$(echo "${m2:-$b} $b" | awk '{print ($1<$2)?$1:$2}')
		i=$((i + 1))
	done
	row "sftkit drop-identity ($2)" "$m2"; row "sftkit drop-multimodal ($2)" "$m1"
	echo "ratio drop-identity vs drop-multimodal, $2: $(ratio "$m1" "$m2")x (target >= 0.5x)"
}

# drop-multimodal vs a jq program with the same structural rules and a subset of the text rules
JQ_MM='select(([.messages[]? | (.content | if type=="array" then (map(.type? // "") | any(. == "image_url" or . == "input_image" or . == "input_audio")) else ((. // "") | test("<image>|<video>|<audio>|!\\[[^\\]]*\\]\\([^)]*\\)|<img ")) end)] | any) | not)'
t1=$(best "drop-multimodal -q '$IN' >/dev/null")
t2=$(best_peer "jq -c '$JQ_MM' '$IN' >/dev/null")
row "sftkit drop-multimodal" "$t1"; row "jq 1.6 select(no media)" "$t2"
echo "ratio drop-multimodal vs jq: $(ratio "$t2" "$t1")x (target >= 25x, >= 1000 MB/s)"

JQ_TU='select(([.tools?, .functions?] | map(select(. != null and . != [] and . != "")) | length == 0) and ([.messages[]? | (.role == "tool" or .role == "environment" or (.tool_calls // null) != null or (.function_calls // null) != null or ((.content // "") | type == "string" and test("<tool_call>|<\\|python_tag\\|>")))] | any | not))'
t1=$(best "drop-tool-use -q '$IN' >/dev/null")
t2=$(best_peer "jq -c '$JQ_TU' '$IN' >/dev/null")
row "sftkit drop-tool-use" "$t1"; row "jq 1.6 select(no tools)" "$t2"
echo "ratio drop-tool-use vs jq: $(ratio "$t2" "$t1")x (target >= 25x)"
identity_vs_mm "$IN" chat

# to-messages: rows with instruction/response (Magicoder's shape), made from the same input
IN2="$BENCH_DIR/pairs-$MB.jsonl"
[ -s "$IN2" ] || jq -c '{instruction: .messages[0].content, response: .messages[-1].content}' "$IN" >"$IN2"
size=$(stat -c %s "$IN2")
t1=$(best "to-messages -q --preset magicoder '$IN2' >/dev/null")
t2=$(best_peer "jq -c '{id: (\"magicoder/\" + (input_line_number|tostring)), source: \"ise-uiuc/Magicoder-Evol-Instruct-110K\", messages: [{role: \"user\", content: .instruction}, {role: \"assistant\", content: .response}]}' '$IN2' >/dev/null")
row "sftkit to-messages --preset magicoder" "$t1"; row "jq 1.6 equivalent program" "$t2"
echo "ratio to-messages vs jq: $(ratio "$t2" "$t1")x (target >= 20x)"

# code-heavy conversations: the real code and markdown of ../shared's tokenizer
# corpus in fenced blocks and as prose, where '<', '[' and backquotes are
# everywhere and the text rules walk most strings (the generated chat above
# lets most strings through on their raw bytes)
CORPUS="${SFTKIT_SHARED:-$SFTKIT_ROOT/../shared}/tokenizers"
if [ -f "$CORPUS/corpus.jsonl" ]; then
	IN3="$BENCH_DIR/code-$MB.jsonl"
	[ -s "$IN3" ] || python3 - "$CORPUS" "$MB" >"$IN3" <<'PY'
import json, random, sys
d, mb = sys.argv[1], float(sys.argv[2])
code, prose = [], []
for m, l in zip(open(d + "/corpus.meta.jsonl"), open(d + "/corpus.jsonl")):
    kind, t = json.loads(m)["kind"], json.loads(l)["text"]
    if kind in ("c", "python", "rust", "js", "shell", "jq", "config"): code.append(t.replace("```", "` ` `"))
    elif kind in ("markdown", "prose", "multilingual"): prose.append(t)
r, n, i = random.Random(7), 0, 0
while n < mb * 1e6:
    a = "%s\n\n```\n%s\n```\n\n%s" % (r.choice(prose), r.choice(code), r.choice(prose))
    line = json.dumps({"id": "code/%d" % i, "messages": [{"role": "user", "content": r.choice(prose)},
                                                        {"role": "assistant", "content": a}]},
                      ensure_ascii=False)  # as to-messages writes records
    print(line); n += len(line) + 1; i += 1
PY
	size=$(stat -c %s "$IN3")
	echo "code-heavy input: $(mbps "$size" 1) MB, $(wc -l <"$IN3") records"
	filters_vs_jq "$IN3" code-heavy
	# the same records as Python's json.dumps writes them by default, every
	# non-ASCII character a \u escape
	IN4="$BENCH_DIR/code-esc-$MB.jsonl"
	[ -s "$IN4" ] || python3 -c 'import json, sys
for l in sys.stdin: sys.stdout.write(json.dumps(json.loads(l)) + "\n")' <"$IN3" >"$IN4"
	size=$(stat -c %s "$IN4")
	echo "code-heavy input, \\u-escaped: $(mbps "$size" 1) MB"
	filters_vs_jq "$IN4" "\\u-escaped"
else
	echo "code-heavy input skipped: $CORPUS absent"
fi
