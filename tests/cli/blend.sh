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
