# decontam's benchmarks in the build: pipelines/benchmarks.sh fetches the sets
# of a benchmarks.list from the mock Hub and writes decontam's options, with
# FIELDS given to one set whose layout decontam does not recognise and the
# layout recognised for the other; then --field's binding in decontam itself.
. "$SFTKIT_ROOT/tests/cli/lib.sh"
. "$SFTKIT_ROOT/pipelines/mockhub/start.sh"
trap 'mockhub_stop; rm -rf "$T"' EXIT
export HF_HUB_CACHE="$T/cache" HF_HOME="$T/hfhome"
unset HF_TOKEN HF_HUB_OFFLINE 2>/dev/null
D="$FIX/decontam"
M="$T/mirror"
mkdir -p "$M/datasets/t/gsm/data" "$M/datasets/t/qa/data" "$T/pl"
cp "$D/gsm8k-3.jsonl" "$M/datasets/t/gsm/data/test.jsonl"
# a layout decontam does not know: the question under "query", the options in a list
printf '%s\n' '{"query": "Which planet of the solar system has the longest day, longer even than its own year around the sun?", "choices": ["Venus", "Mars"]}' \
	'{"query": "Which element has the highest melting point of all the metals known today and is used in lamp filaments?", "choices": ["Tungsten", "Iron"]}' \
	>"$M/datasets/t/qa/data/test.jsonl"
mockhub_start "$M" --log "$T/log" || { echo "not ok - mock hub starts"; exit 0; }
cp "$SFTKIT_ROOT/pipelines/benchmarks.sh" "$T/pl/"
list() { printf '# test list\ngsm  t/gsm  -  test  -\nqa   t/qa   -  test  %s\n' "$1" >"$T/pl/benchmarks.list"; }

list query,choices
t_ok "benchmarks.sh fetches both sets" env LOCK="$T/lock.jsonl" sh "$T/pl/benchmarks.sh" "$T/b"
t_eq "args: FIELDS become --field options after their set's --against" \
	" -a gsm=$T/b/gsm.jsonl -a qa=$T/b/qa.jsonl --field query --field choices" "$(cat "$T/b/args")"
printf '%s\n' '{"id":"k","messages":[{"role":"user","content":"Tell me a story about a dragon who learns to bake bread in a small village."}]}' \
	'{"id":"q","messages":[{"role":"user","content":"Quiz: which planet of the solar system has the longest day - longer even than its own year around the Sun?"}]}' \
	'{"id":"g","messages":[{"role":"user","content":"Janet’s ducks lay 16 eggs per day. She eats three for breakfast every morning and bakes muffins for her friends every day with four. She sells the remainder at the farmers market daily for $2 per fresh duck egg. How much in dollars does she make every day at the farmers market?"}]}' \
	>"$T/r.jsonl"
# shellcheck disable=SC2046
decontam $(cat "$T/b/args") --rejects "$T/rej.jsonl" "$T/r.jsonl" >"$T/out.jsonl" 2>"$T/e"
t_eq "the ordinary record is kept" k "$(jq -r .id "$T/out.jsonl")"
t_eq "the unrecognised set's item and the recognised set's are both caught" "g gsm q qa" \
	"$(jq -r '"\(.id) \(.detail | split(" ")[0])"' "$T/rej.jsonl" | sort | tr '\n' ' ' | sed 's/ $//')"
t_grep "the recognised set keeps its layout" "decontam: gsm: 3 items (gsm8k layout)" "$T/e"
t_grep "the other is read by its fields" "decontam: qa: 2 items (fields layout)" "$T/e"
t_grep "the matched field is named" '"detail":"qa line 1 query: ' "$T/rej.jsonl"

list -
t_ok "FIELDS '-': the args name no field" env LOCK="$T/lock.jsonl" sh "$T/pl/benchmarks.sh" "$T/b2"
# shellcheck disable=SC2046
t_status "... and decontam stops at the unknown layout: exit 2" 2 decontam $(cat "$T/b2/args") "$T/r.jsonl"
t_grep "listing its fields" "qa.jsonl: no known benchmark layout (fields: query, choices)" "$T/.err"
list 'query,*'
t_status "FIELDS that are not plain names: exit 2" 2 env LOCK="$T/lock.jsonl" sh "$T/pl/benchmarks.sh" "$T/b3"
t_grep "saying which set" "benchmarks.sh: qa: FIELDS 'query,\*'" "$T/.err"
t_eq "... before fetching anything into it" "" "$(ls "$T/b3" 2>/dev/null | grep -v args)"

# --field binds to the --against before it; before the first, to every set with none of its own
printf '{"q": "What is the capital city of the country that has the largest population in South America today?"}\n' >"$T/q.jsonl"
t_ok "--field after a set: that set only" decontam -a "$D/gsm8k-3.jsonl" -a "$T/q.jsonl" --field q "$T/r.jsonl"
t_grep "the set before keeps its layout" "decontam: gsm8k-3: 3 items (gsm8k layout)" "$T/.err"
t_grep "the set it follows is read by it" "decontam: q: 1 items (fields layout): 0 fields matched by 8-gram coverage, 1 matched whole only" "$T/.err"
t_ok "--field before every --against: every set" decontam --field q -a "$T/q.jsonl" -a "$D/gsm8k-3.jsonl" "$T/r.jsonl"
t_grep "even one with a known layout" "decontam: gsm8k-3: 3 items (fields layout): .* 3 empty" "$T/.err"
t_ok "a set's own fields win over those before" decontam --field q -a "$T/q.jsonl" -a "$T/b/qa.jsonl" --field query "$T/r.jsonl"
t_grep "(its own)" "decontam: qa: 2 items (fields layout): 0 fields matched by 8-gram coverage, 2 matched whole only" "$T/.err"
