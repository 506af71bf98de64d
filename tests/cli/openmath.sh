# openmath: to-messages' release filters (--min-solution-chars, --boxed-answer)
# and the stage's one-solution-per-problem dedup as pipelines/source.sh runs it.
. "$SFTKIT_ROOT/tests/cli/lib.sh"
long=$(printf 'x%.0s' $(seq 1 200))
cat >"$T/om.jsonl" <<JSON
{"problem":"What is 2+2?","generated_solution":"$long so \\\\boxed{4}","expected_answer":"4"}
{"problem":"What is 2+2?","generated_solution":"short: \\\\boxed{4}","expected_answer":"4"}
{"problem":"what is  2+2?","generated_solution":"$long or \\\\boxed{ 4 }","expected_answer":"4"}
{"problem":"Half of 1?","generated_solution":"$long \\\\boxed{\\\\frac{1}{2}}","expected_answer":"\\\\frac{1}{2}"}
{"problem":"Half of 2?","generated_solution":"$long \\\\boxed{2}","expected_answer":"1"}
{"problem":"Half of 3?","generated_solution":"$long no box","expected_answer":"1.5"}
JSON
t_eq "no filter by default" 6 "$(to-messages -q --preset openmath "$T/om.jsonl" | wc -l | tr -d ' ')"
to-messages --preset openmath --min-solution-chars 200 --rejects "$T/r1" "$T/om.jsonl" >/dev/null 2>"$T/e1"
t_grep "--min-solution-chars 200 drops the short one" "read 6, kept 5, dropped 1 (short_solution 1)" "$T/e1"
to-messages --preset openmath --boxed-answer expected_answer --rejects "$T/r2" "$T/om.jsonl" >"$T/o2" 2>"$T/e2"
t_grep "--boxed-answer drops a wrong and a missing answer" "read 6, kept 4, dropped 2 (answer_mismatch 2)" "$T/e2"
t_eq "nested braces and trimmed answers match" "What is 2+2? What is 2+2? what is  2+2? Half of 1?" "$(jq -r '.messages[0].content' "$T/o2" | tr '\n' ' ' | sed 's/ $//')"
t_grep "the reject says what differed" 'boxed{2} is not expected_answer' "$T/r2"
t_status "--boxed-answer with --jq is a usage error" 2 to-messages --jq . --boxed-answer a "$T/om.jsonl"
t_status "--min-solution-chars takes a count" 2 to-messages --preset openmath --min-solution-chars x "$T/om.jsonl"
# the stage: one solution per problem (after normalisation: case and whitespace), as source.sh runs it
to-messages -q --preset openmath "$T/om.jsonl" | dedup --mode exact --key user --keep-per-key 1 --summary "$T/s.json" -q >"$T/o3"
t_eq "one solution per problem, the first" "nvidia/OpenMathInstruct-2/0 nvidia/OpenMathInstruct-2/3 nvidia/OpenMathInstruct-2/4 nvidia/OpenMathInstruct-2/5" "$(jq -r .id "$T/o3" | tr '\n' ' ' | sed 's/ $//')"
t_eq "the summary counts the solutions set aside" '2 {"duplicate":2}' "$(jq -c '.dropped, .reasons' "$T/s.json" | tr '\n' ' ' | sed 's/ $//')"
