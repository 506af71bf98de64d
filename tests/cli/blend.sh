# blend: exact counts per part, percentages, epochs, validation split, seeds,
# field keeping, manifest, atomic outputs, and memory bounded by an index.
. "$SFTKIT_ROOT/tests/cli/lib.sh"
python3 -c "
import json
for i in range(100): print(json.dumps({'id':'d%d'%i,'source':'dolci','domain':'Coding' if i%4==0 else 'Chat','messages':[{'role':'user','content':'q%d'%i},{'role':'assistant','content':'a'}],'n_tokens':i}))
for i in range(30): print(json.dumps({'id':'m%d'%i,'source':'magicoder','messages':[{'role':'user','content':'m%d'%i},{'role':'assistant','content':'a'}]}))
print(json.dumps({'id':'x','source':'other','messages':[]}))
" >"$T/in.jsonl"
cat >"$T/r.recipe" <<'R'
seed 7
coding   20    source=dolci domain=Coding   # 25 available
chat     50%   source=dolci domain!=Coding  # 75 available: 38
magic    45    source=magicoder             # 30 available: one epoch and 15
empty    5     source=nobody
R
blend -r "$T/r.recipe" -o "$T/out" --val 0.1 "$T/in.jsonl" 2>"$T/e"
t_eq "exit 0" 0 $?
t_eq "train + validation = 20 + 38 + 45" 103 "$(cat "$T/out/train.jsonl" "$T/out/validation.jsonl" | wc -l | tr -d ' ')"
t_eq "validation is 10% of each part, rounded (2+4+5)" 11 "$(wc -l <"$T/out/validation.jsonl" | tr -d ' ')"
t_eq "per-part counts in the manifest" "20 38 45 0" "$(jq -r '[.parts[].taken]|map(tostring)|join(" ")' "$T/out/manifest.json")"
t_eq "available counts" "25 75 30 0" "$(jq -r '[.parts[].available]|map(tostring)|join(" ")' "$T/out/manifest.json")"
t_eq "shortfall reported" 5 "$(jq '.parts[3].shortfall' "$T/out/manifest.json")"
t_grep "shortfall warned" "part empty: 0 records available" "$T/e"
t_grep "epochs warned" "part magic: 45 requested from 30 available: 1 whole epoch" "$T/e"
t_eq "coding part drew only Coding rows" 0 "$(blend -q -r "$T/r.recipe" -o "$T/o2" --keep-fields id,source "$T/in.jsonl"; jq -r 'select(.source=="dolci")|.id' "$T/o2/train.jsonl" | sed 's/d//' | awk '$1%4==0' | wc -l | tr -d ' ' | xargs -I{} expr 20 - {})"
t_eq "only messages by default" '["messages"]' "$(head -1 "$T/out/train.jsonl" | jq -c keys)"
t_eq "--keep-fields keeps more" '["id","messages","source"]' "$(head -1 "$T/o2/train.jsonl" | jq -c keys)"
t_eq "same seed, same bytes" "$(jq -r '.outputs[0].sha256' "$T/out/manifest.json")" "$(blend -q -r "$T/r.recipe" -o "$T/o3" --val 0.1 "$T/in.jsonl"; sha256sum <"$T/o3/train.jsonl" | cut -d' ' -f1)"
t_eq "another seed, other draw" 1 "$(blend -q -r "$T/r.recipe" -o "$T/o4" --seed 8 --val 0.1 "$T/in.jsonl"; cmp -s "$T/o4/train.jsonl" "$T/out/train.jsonl"; echo $?)"
t_eq "the manifest's sha256 is the file's" "$(sha256sum <"$T/out/validation.jsonl" | cut -d' ' -f1)" "$(jq -r '.outputs[1].sha256' "$T/out/manifest.json")"
t_eq "input checksums recorded" "$(sha256sum <"$T/in.jsonl" | cut -d' ' -f1)" "$(jq -r '.inputs[0].sha256' "$T/out/manifest.json")"
echo '{"repo":"a/b","kind":"datasets","revision":"main","commit":"abc"}' >"$T/lock.jsonl"
t_eq "--lock is embedded" abc "$(blend -q -r "$T/r.recipe" -o "$T/o5" --lock "$T/lock.jsonl" "$T/in.jsonl"; jq -r '.lock[0].commit' "$T/o5/manifest.json")"
t_eq "no temp files left" 0 "$(ls "$T/out" | grep -c tmp)"
t_eq "summary: read = kept + dropped" 1 "$(grep -c 'read 131, kept 88, dropped 43 (no_part 1, not_drawn 42)' "$T/e")"
# --stage-summary: the earlier stages' counts in the manifest, without their run times
printf '%s\n' '{"tool":"dedup","read":5,"kept":3,"dropped":2,"reasons":{"duplicate":2},"seconds":0.25}' >"$T/om.2a-per-problem.json"
blend -q -r "$T/r.recipe" -o "$T/o9" --stage-summary "$T/om.2a-per-problem.json" "$T/in.jsonl"
t_eq "--stage-summary: the stage's counts in the manifest, by file name" '{"om.2a-per-problem":{"tool":"dedup","read":5,"kept":3,"dropped":2,"reasons":{"duplicate":2}}}' "$(jq -c .stages "$T/o9/manifest.json")"
t_eq "no --stage-summary: an empty stages object" '{}' "$(jq -c .stages "$T/out/manifest.json")"
echo '{"read":1}' >"$T/notsum.json"
t_status "--stage-summary that is not a summary: exit 1" 1 blend -q -r "$T/r.recipe" -o "$T/o10" --stage-summary "$T/notsum.json" "$T/in.jsonl"
t_grep "naming it" "notsum.json: expected a tool's --summary" "$T/.err"
t_ok "and nothing written" test ! -e "$T/o10/manifest.json"
t_status "bad recipe line: exit 1" 1 sh -c "echo 'x notanumber' >'$T/bad.recipe'; blend -r '$T/bad.recipe' -o '$T/o6' '$T/in.jsonl'"
t_status "no recipe: usage" 2 blend -o "$T/o7"
# memory: an index of offsets, not the records (100 MB of records under a 60 MB address-space cap is too tight
# for ASan builds, so measure with the release binary only)
if [ -z "${SANITIZE:-}" ]; then
	python3 -c "
import json
pad = 'x' * 20000
for i in range(4000): print(json.dumps({'id': str(i), 'source': 's', 'messages': [{'role': 'user', 'content': pad}, {'role': 'assistant', 'content': 'a'}]}))
" >"$T/big.jsonl"
	printf 'all 100%%\n' >"$T/all.recipe"
	t_eq "80 MB of input under a 40 MB memory limit" 4000 "$(sh -c "ulimit -v 40000; blend -q -r '$T/all.recipe' -o '$T/o8' '$T/big.jsonl'" && wc -l <"$T/o8/train.jsonl" | tr -d ' ')"
else
	t_skip "memory limit test" "sanitizer builds reserve more address space than the limit"
fi
# shares of the total: with fixed parts, the shares take their percentage of the whole
printf 'seed 1\nc 30 source=dolci domain=Coding\nm 40%%total source=magicoder\n' >"$T/share.recipe"
blend -q -r "$T/share.recipe" -o "$T/o9" "$T/in.jsonl"
t_eq "20 + 40%total: the share part is 40% of 50" "20 20" "$(printf 'seed 1\nc 20 source=dolci domain=Coding\nm 50%%total source=magicoder\n' >"$T/s2.recipe"; blend -q -r "$T/s2.recipe" -o "$T/o10" "$T/in.jsonl"; jq -r '[.parts[].taken]|map(tostring)|join(" ")' "$T/o10/manifest.json")"
t_eq "shares only: the largest blend without repeats (50 = 25 / 50%)" "25 25" "$(printf 'c 50%%total source=dolci domain=Coding\nm 50%%total source=magicoder\n' >"$T/s3.recipe"; blend -q -r "$T/s3.recipe" -o "$T/o11" "$T/in.jsonl"; jq -r '[.parts[].taken]|map(tostring)|join(" ")' "$T/o11/manifest.json")"
# with repeats, no record is on both sides
printf 'seed 3\nm 90 source=magicoder\n' >"$T/rep.recipe"
blend -q -r "$T/rep.recipe" -o "$T/o12" --val 0.1 --keep-fields id "$T/in.jsonl"
t_eq "a repeated part still gives its exact count" 90 "$(cat "$T/o12/train.jsonl" "$T/o12/validation.jsonl" | wc -l | tr -d ' ')"
jq -r .id "$T/o12/train.jsonl" | sort -u >"$T/trids"
t_eq "validation records never appear in training" 0 "$(jq -r .id "$T/o12/validation.jsonl" | sort -u | comm -12 - "$T/trids" | wc -l | tr -d ' ')"
t_eq "and validation has its 10%" 9 "$(wc -l <"$T/o12/validation.jsonl" | tr -d ' ')"
# standard input is spooled; the draw is the same as from the file
blend -q -r "$T/r.recipe" -o "$T/o13" --val 0.1 <"$T/in.jsonl"
t_eq "from standard input: the same bytes as from the file" "$(sha256sum <"$T/out/train.jsonl")" "$(sha256sum <"$T/o13/train.jsonl")"
t_eq "and the manifest says it was spooled" '"-" true' "$(jq -r '.inputs[0] | "\"\(.path)\" \(.spooled)"' "$T/o13/manifest.json")"
# a spool that cannot be made says where it was tried; a regular file needs none
TMPDIR="$T/nonexistent" blend -q -r "$T/r.recipe" -o "$T/o13b" --val 0.1 <"$T/in.jsonl" 2>"$T/e13"
t_eq "no room for the spool: exit 1" 1 $?
t_grep "naming the directory" "^blend: cannot create a temporary file in $T/nonexistent: No such file or directory" "$T/e13"
TMPDIR="$T/nonexistent" blend -q -r "$T/r.recipe" -o "$T/o13c" --val 0.1 "$T/in.jsonl"
t_eq "a regular file is read in place, no spool" "$(sha256sum <"$T/o13/train.jsonl")" "$(sha256sum <"$T/o13c/train.jsonl")"
mkfifo "$T/fifo"
cat "$T/in.jsonl" >"$T/fifo" &
blend -q -r "$T/r.recipe" -o "$T/o14" --val 0.1 "$T/fifo"
wait
t_eq "a pipe given as a file is spooled too, same bytes" "$(sha256sum <"$T/out/train.jsonl") true" "$(sha256sum <"$T/o14/train.jsonl") $(jq .inputs[0].spooled "$T/o14/manifest.json")"
# an input split over two files, the second without a final newline
head -60 "$T/in.jsonl" >"$T/p1.jsonl"
tail -n +61 "$T/in.jsonl" | head -c -1 >"$T/p2.jsonl"
blend -q -r "$T/r.recipe" -o "$T/o15" --val 0.1 "$T/p1.jsonl" "$T/p2.jsonl"
t_eq "two files: the same draw as one" "$(sha256sum <"$T/out/train.jsonl")" "$(sha256sum <"$T/o15/train.jsonl")"
t_eq "the sha256 of a file without a final newline is the file's" "$(sha256sum <"$T/p2.jsonl" | cut -d' ' -f1)" "$(jq -r '.inputs[1].sha256' "$T/o15/manifest.json")"
t_eq "inputs' line counts" "60 71" "$(jq -r '[.inputs[].lines]|map(tostring)|join(" ")' "$T/o15/manifest.json")"
# --val COUNT is exact, split by largest remainder
printf 'a 33 source=dolci\nb 33 source=magicoder\n' >"$T/v.recipe"
blend -q -r "$T/v.recipe" -o "$T/o16" --val 5 "$T/in.jsonl"
t_eq "--val 5: 5 validation records (3 + 2), 61 training" "5 61 3 2" "$(wc -l <"$T/o16/validation.jsonl" | tr -d ' ') $(wc -l <"$T/o16/train.jsonl" | tr -d ' ') $(jq -r '[.parts[].validation]|map(tostring)|join(" ")' "$T/o16/manifest.json")"
# P% above 100 repeats whole epochs
printf 'm 200%% source=magicoder\n' >"$T/p.recipe"
blend -q -r "$T/p.recipe" -o "$T/o17" --keep-fields id "$T/in.jsonl" 2>"$T/e17"
t_eq "200%: every record exactly twice" "30 2" "$(jq -r .id "$T/o17/train.jsonl" | sort | uniq -c | awk '{print $1}' | sort | uniq -c | awk '{print $1, $2}')"
# one part's count does not change another part's draw
printf 'seed 5\ncoding 10 source=dolci domain=Coding\nmagic 5 source=magicoder\n' >"$T/i1.recipe"
printf 'seed 5\ncoding 10 source=dolci domain=Coding\nmagic 29 source=magicoder\n' >"$T/i2.recipe"
blend -q -r "$T/i1.recipe" -o "$T/o18" --keep-fields id,source "$T/in.jsonl"
blend -q -r "$T/i2.recipe" -o "$T/o19" --keep-fields id,source "$T/in.jsonl"
t_eq "the coding part draws the same records whatever magic asks" "$(jq -r 'select(.source=="dolci").id' "$T/o18/train.jsonl" | sort)" "$(jq -r 'select(.source=="dolci").id' "$T/o19/train.jsonl" | sort)"
# bad records
printf '{"id":"ok","source":"magicoder","messages":[]}\n{"id":"nomsg","source":"magicoder"}\n{bad\n' >"$T/bad.jsonl"
printf 'm 100%% source=magicoder\n' >"$T/m.recipe"
t_status "a record without messages: exit 1" 1 blend -r "$T/m.recipe" -o "$T/o20" "$T/bad.jsonl"
t_grep "with its position" "bad.jsonl:2: record has no \"messages\" array" "$T/.err"
blend -r "$T/m.recipe" -o "$T/o21" --skip-bad --rejects "$T/rej.jsonl" --summary "$T/sum.json" "$T/bad.jsonl" 2>"$T/e21"
t_eq "--skip-bad: counted per reason, read = kept + dropped" '3 1 2 {"no_messages":1,"bad_json":1}' "$(jq -c '"\(.read) \(.kept) \(.dropped) \(.reasons|tojson)"' -r "$T/sum.json")"
t_eq "and rejected with reasons" "no_messages bad_json" "$(jq -r .reason "$T/rej.jsonl" | tr '\n' ' ' | sed 's/ $//')"
# atomic: a run that fails leaves the previous outputs as they were
cp -r "$T/out" "$T/keep"
echo 'not json' >"$T/badlock.jsonl"
t_status "a bad lock file: exit 1" 1 blend -r "$T/r.recipe" -o "$T/out" --lock "$T/badlock.jsonl" "$T/in.jsonl"
t_grep "naming its line" "badlock.jsonl:1: expected a JSON object per line" "$T/.err"
t_eq "and the outputs are untouched" "" "$(diff -r "$T/out" "$T/keep")"
t_status "an input that does not exist: exit 1" 1 blend -r "$T/r.recipe" -o "$T/o22" "$T/nope.jsonl"
t_status "--val 1.5: usage error" 2 blend -r "$T/r.recipe" -o "$T/o22" --val 1.5 "$T/in.jsonl"
t_status "--seed -1: usage error" 2 blend -r "$T/r.recipe" -o "$T/o22" --seed -1 "$T/in.jsonl"
t_grep "in the one style of number options" "^blend: --seed: expected an integer from 0 to 18446744073709551615, found '-1'" "$T/.err"
t_status "--seed 2^64: usage error" 2 blend -r "$T/r.recipe" -o "$T/o22" --seed 18446744073709551616 "$T/in.jsonl"
t_status "--seed 2^64-1 is a seed" 0 blend -q -r "$T/r.recipe" --plan --seed 18446744073709551615 "$T/in.jsonl"
t_eq "manifest fields" 'blend recipe 7 ["messages"] 130 1' "$(jq -r '"\(.tool) \(.seed_from) \(.seed) \(.fields|tojson) \(.matched) \(.unmatched)"' "$T/out/manifest.json")"
t_eq "the manifest holds the recipe text" "$(cat "$T/r.recipe")" "$(jq -r .recipe "$T/out/manifest.json")"
# memory with standard input: the spool holds the records, not memory
if [ -z "${SANITIZE:-}" ]; then
	t_eq "80 MB on standard input under a 40 MB memory limit" 4000 "$(sh -c "ulimit -v 40000; blend -q -r '$T/all.recipe' -o '$T/o23' <'$T/big.jsonl'" && wc -l <"$T/o23/train.jsonl" | tr -d ' ')"
else
	t_skip "memory limit test, standard input" "sanitizer builds reserve more address space than the limit"
fi
# --plan: the draw's counts, nothing written
blend -q -r "$T/r.recipe" -o "$T/o24" --val 0.05 "$T/in.jsonl"
t_eq "--plan prints the counts a real run's manifest has" "$(jq -c '.parts[] | {part: .name, requested, available, taken, train, validation, epochs, shortfall}' "$T/o24/manifest.json")" \
	"$(blend -q -r "$T/r.recipe" --plan --val 0.05 "$T/in.jsonl")"
blend -q -r "$T/r.recipe" --plan -o "$T/o25" "$T/in.jsonl" >/dev/null
t_ok "and writes no file" test ! -e "$T/o25"
# the shipped recipes parse, and each part of the default one finds records in the sample's sources
printf '%s\n' '{"source":"allenai/Dolci-Instruct-SFT","domain":"Coding","messages":[]}' '{"source":"ise-uiuc/Magicoder-Evol-Instruct-110K","messages":[]}' \
	'{"source":"open-r1/codeforces-cots/solutions","messages":[]}' '{"source":"nvidia/OpenMathInstruct-2","messages":[]}' \
	'{"source":"allenai/Dolci-Instruct-SFT","domain":"Chat","messages":[]}' '{"source":"allenai/Dolci-Instruct-SFT","domain":"Math","messages":[]}' \
	'{"source":"allenai/Dolci-Instruct-SFT","domain":"Tool Use","messages":[]}' >"$T/kinds.jsonl"
t_eq "the default recipe: one record per part, Dolci's Math and Tool Use in none" "1 1 1 1 1 | no_part 2" \
	"$(blend -r "$SFTKIT_ROOT/pipelines/recipes/default.recipe" --plan "$T/kinds.jsonl" 2>"$T/e26" | jq -r .available | tr '\n' ' ')| $(grep -o 'no_part [0-9]*' "$T/e26")"
t_eq "the sample recipe selects the same way" "1 1 1 1 1 | no_part 2" \
	"$(blend -r "$SFTKIT_ROOT/pipelines/recipes/sample.recipe" --plan "$T/kinds.jsonl" 2>"$T/e27" | jq -r .available | tr '\n' ' ')| $(grep -o 'no_part [0-9]*' "$T/e27")"
# standard input named '-' among the files
t_eq "'-' reads standard input" "$(blend -q -r "$T/r.recipe" --plan "$T/in.jsonl")" "$(blend -q -r "$T/r.recipe" --plan - <"$T/in.jsonl")"
head -3 "$T/in.jsonl" >"$T/notlock.jsonl"
t_status "a lock file of other JSON lines: exit 1" 1 blend -r "$T/r.recipe" -o "$T/o28" --lock "$T/notlock.jsonl" "$T/in.jsonl"
t_grep "saying what a lock line needs" 'notlock.jsonl:1: a lock line needs "repo" and "commit"' "$T/.err"
# the outputs are replaced together: a run whose validation.jsonl cannot be
# written (a file-size limit, as ENOSPC) renames none of them, so the old
# train.jsonl, validation.jsonl and manifest.json stay a matching set
python3 -c "
import json
for i in range(2000): print(json.dumps({'messages':[{'role':'user','content':'q%d'%i + 'p'*200},{'role':'assistant','content':'a'}]}))
" >"$T/big.jsonl"
printf 'all 100%%\n' >"$T/all.recipe"
blend -q -r "$T/all.recipe" -o "$T/o29" --val 0.9 "$T/big.jsonl"
old=$(cd "$T/o29" && sha256sum train.jsonl validation.jsonl manifest.json)
# train is about 50 KB, validation 450 KB: a 200 KB limit lets only train through
sh -c 'trap "" XFSZ; ulimit -f 400; exec blend -q -r "$1" -o "$2" --val 0.9 --seed 5 "$3"' sh "$T/all.recipe" "$T/o29" "$T/big.jsonl" 2>"$T/e29"
t_eq "a write that fails mid-run: exit 1" 1 $?
t_grep "naming the file" "validation.jsonl: File too large" "$T/e29"
t_eq "the old set is untouched" "$old" "$(cd "$T/o29" && sha256sum train.jsonl validation.jsonl manifest.json)"
t_eq "and no temp file is left" "" "$(ls -A "$T/o29" | grep -v -x -e train.jsonl -e validation.jsonl -e manifest.json)"
# a killed run's temp files (its process gone) are removed by the next run; a live one's stay
sh -c 'exit 0' & deadpid=$!; wait $deadpid
touch "$T/o29/.blend-tmp.$deadpid.train.jsonl" "$T/o29/.blend-tmp.$$.train.jsonl"
blend -q -r "$T/all.recipe" -o "$T/o29" --val 0.9 --seed 5 "$T/big.jsonl"
t_eq "stale .blend-tmp files of a dead run are removed" ".blend-tmp.$$.train.jsonl" "$(ls -A "$T/o29" | grep blend-tmp)"
t_eq "and the new set checks" "OK" "$(cd "$T/o29" && jq -r '.outputs[] | "\(.sha256)  \(.path)"' manifest.json | sha256sum -c --quiet && echo OK)"
# a recipe or lock file with no end is refused at a bound, not read until memory runs out
t_status "/dev/zero as recipe: exit 1" 1 blend -r /dev/zero --plan "$T/in.jsonl"
t_grep "at the recipe bound" "^blend: /dev/zero: more than 1 MiB: not a recipe" "$T/.err"
t_status "/dev/zero as lock file: exit 1" 1 blend -r "$T/r.recipe" -o "$T/o30" --lock /dev/zero "$T/in.jsonl"
t_grep "at the lock bound" "^blend: /dev/zero: more than 64 MiB: not a lock file" "$T/.err"
# (from a pipe, whose spool file would take descriptor 1)
cat "$T/in.jsonl" | blend -r "$T/r.recipe" --plan >&- 2>"$T/e31"
t_eq "blend --plan >&- from a pipe: exit 1" 1 $?
t_grep "saying so" "^blend: write error on standard output: Bad file descriptor" "$T/e31"
