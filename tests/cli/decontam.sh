# decontam: layouts, drops with their detail, --report, summaries, errors, and
# the figures on the planted set (decontam(1) prints them).
. "$SFTKIT_ROOT/tests/cli/lib.sh"
D="$FIX/decontam"

decontam -a "$D/gsm8k-3.jsonl" -a he="$D/humaneval-2.jsonl" --rejects "$T/rej.jsonl" --report "$T/rep.jsonl" \
	--summary "$T/sum.json" "$D/records.jsonl" >"$T/out.jsonl" 2>"$T/e"
t_eq "ordinary and generic records kept" "r1 r5" "$(jq -r .id "$T/out.jsonl" | tr '\n' ' ' | sed 's/ $//')"
t_eq "kept records byte for byte" "$(sed -n '1p;5p' "$D/records.jsonl")" "$(cat "$T/out.jsonl")"
t_eq "contaminated records dropped" "r2 r3 r4" "$(jq -r .id "$T/rej.jsonl" | tr '\n' ' ' | sed 's/ $//')"
t_eq "reason is contaminated" "contaminated" "$(jq -r .reason "$T/rej.jsonl" | sort -u)"
t_grep "detail: benchmark (file base name), item, field, score, excerpt" \
	'"detail":"gsm8k-3 line 1 question: coverage 1.00 (46/46 8-grams): \\"JANET' "$T/rej.jsonl"
t_grep "detail names HumanEval's task and the solution under its def line" \
	'"detail":"he HumanEval/23 def+canonical_solution: whole (8 words): \\"def strlen' "$T/rej.jsonl"
t_grep "summary line" "read 5, kept 2, dropped 3 (contaminated 3)" "$T/e"
t_grep "drops per benchmark on stderr" "decontam: contaminated per benchmark: gsm8k-3 2, he 1" "$T/e"
t_grep "index line per benchmark" "decontam: he: 2 items (humaneval layout)" "$T/e"
t_eq "--summary counts per benchmark" '{"gsm8k-3":2,"he":1}' "$(jq -c .benchmarks "$T/sum.json")"
t_eq "--report: one line per item hit" 2 "$(wc -l <"$T/rep.jsonl" | tr -d ' ')"
t_eq "--report: rows, sources, example" '2 ["src/a","src/b"] r2' \
	"$(jq -rc 'select(.benchmark=="gsm8k-3") | "\(.rows) \(.sources) \(.example)"' "$T/rep.jsonl")"

# --field overrides the layout; an unknown layout is a usage error listing the fields
printf '{"q": "What is the capital city of the country that has the largest population in South America today?"}\n' >"$T/b.jsonl"
t_status "unknown layout: exit 2" 2 decontam -a "$T/b.jsonl" "$D/records.jsonl"
t_grep "unknown layout lists the fields found" "no known benchmark layout (fields: q)" "$T/.err"
printf '{"id":"x","messages":[{"role":"user","content":"what is the capital city of the country that has the largest population in south america today"}]}\n' >"$T/r.jsonl"
t_eq "--field names the field to index" "" "$(decontam -q -a "$T/b.jsonl" --field q "$T/r.jsonl")"
t_status "no --against: exit 2" 2 decontam "$D/records.jsonl"
t_status "two benchmarks of one name: exit 2" 2 decontam -a "$D/gsm8k-3.jsonl" -a "$D/gsm8k-3.jsonl" "$D/records.jsonl"
printf '{"question": "fine"}\n{"question": \n' >"$T/bad.jsonl"
t_status "a benchmark line that is not JSON: exit 1" 1 decontam -a "$T/bad.jsonl" "$D/records.jsonl"
t_grep "with its file and line" "bad.jsonl:2:" "$T/.err"
t_status "a missing benchmark file: exit 1" 1 decontam -a "$T/none.jsonl" "$D/records.jsonl"
t_status "--ngram out of range: exit 2" 2 decontam --ngram 2 -a "$D/gsm8k-3.jsonl" "$D/records.jsonl"
t_grep "naming the range" "^decontam: --ngram: expected an integer from 3 to 64, found '2'" "$T/.err"
t_status "--coverage 0: exit 2" 2 decontam --coverage 0 -a "$D/gsm8k-3.jsonl" "$D/records.jsonl"
t_grep "an open end named" "^decontam: --coverage: expected a number above 0, up to 1, found '0'" "$T/.err"
printf 'not json\n' >"$T/nj.jsonl"
t_status "a record that is not JSON: exit 1" 1 decontam -a "$D/gsm8k-3.jsonl" "$T/nj.jsonl"
t_grep "with its position" "decontam: $T/nj.jsonl:1:" "$T/.err"
t_ok "--skip-bad counts it" decontam --skip-bad -a "$D/gsm8k-3.jsonl" "$T/nj.jsonl"
t_grep "as bad_json" "dropped 1 (bad_json 1)" "$T/.err"

# the planted set: recall per kind, false drops per kind of hard negative
if [ -d "$SHARED/benchmarks" ] && [ -d "$SHARED/tokenizers" ]; then
	python3 "$D/make-planted.py" "$SHARED" "$T/p" 2>"$T/mk.err"
	set --
	for f in "$T/p/index/"*; do set -- "$@" -a "$f"; done
	decontam -q "$@" --rejects "$T/p/rej.jsonl" "$T/p/planted.jsonl" >"$T/p/kept.jsonl"
	python3 "$D/score.py" "$T/p/planted.jsonl" "$T/p/kept.jsonl" "$T/p/rej.jsonl" >"$T/p/score" 2>"$T/p/score.err"
	sed 's/^/# /' "$T/p/score"
	t_eq "planted: every record accounted for" 0 "$(wc -l <"$T/p/score.err" | tr -d ' ')"
	t_eq "planted: recall >= 0.95 overall" ok "$(awk '$1=="overall" { split($4, a, "="); print (a[2] >= 0.95) ? "ok" : $0 }' "$T/p/score")"
	t_eq "planted: recall >= 0.9 per kind" "" "$(awk '$2=="positive" && $1!="overall" { split($4, a, "="); if (a[2] < 0.9) print $0 }' "$T/p/score")"
	t_grep "planted: no GSM8K train question dropped" "^gsm8k_train negative n=7473 false_drops=0 " "$T/p/score"
	t_eq "planted: hard negatives <= 1% false drops" "" \
		"$(awk '$2=="negative" && $1!="ordinary" { split($5, a, "="); if (a[2] > 0.01) print $0 }' "$T/p/score")"
	t_eq "planted: ordinary rows <= 0.1% false drops" "" \
		"$(awk '$1=="ordinary" { split($5, a, "="); if (a[2] > 0.001) print $0 }' "$T/p/score")"
	t_eq "planted: every drop of a positive names its item" "" \
		"$(awk '$2=="positive" && $1!="overall" { split($3, n, "="); split($5, m, "="); if (m[2] < n[2] * 0.95) print $0 }' "$T/p/score")"
else
	t_skip "planted set" "no $SHARED/benchmarks"
fi
