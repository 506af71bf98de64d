# The whole sample build (make sample): outputs valid for NeMo RL, counts as the
# recipe asks, the planted cases filtered, reproducible byte for byte; and the
# report renders (headless Chromium when installed).
. "$SFTKIT_ROOT/tests/cli/lib.sh"
B="$SFTKIT_ROOT/build/sample"
rm -rf "$B"
sh "$SFTKIT_ROOT/pipelines/build.sh" sample >"$T/log" 2>&1
t_eq "build.sh sample exits 0" 0 $?
t_ok "train.jsonl passes sft-check" sft-check -q "$B/train.jsonl"
t_ok "validation.jsonl passes sft-check" sft-check -q "$B/validation.jsonl"
t_eq "the recipe's counts, taken exactly" "120 296 176 150 120" "$(jq -r '[.parts[].taken]|map(tostring)|join(" ")' "$B/manifest.json")"
t_eq "the non-coding Dolci part leaves out Math and Tool Use" 0 "$(jq -r 'select(.source == "allenai/Dolci-Instruct-SFT") | .id' "$B/train.jsonl" "$B/validation.jsonl" |
	jq -R -n --slurpfile d "$B/stages/dolci.jsonl" '([$d[] | {key: .id, value: .domain}] | from_entries) as $dom | [inputs | $dom[.] | select(. == "Math" or . == "Tool Use")] | length')"
t_eq "train + validation = the sum" 862 "$(cat "$B/train.jsonl" "$B/validation.jsonl" | wc -l | tr -d ' ')"
t_eq "no record over 8192 tokens" 0 "$(jq 'select(.n_tokens > 8192)' "$B/train.jsonl" | wc -l | tr -d ' ')"
t_eq "no multimodal record left" 0 "$(drop-multimodal -q "$B/train.jsonl" | wc -l | xargs expr "$(wc -l <"$B/train.jsonl")" - )"
t_eq "no tool-use record left" 0 "$(drop-tool-use -q "$B/train.jsonl" | wc -l | xargs expr "$(wc -l <"$B/train.jsonl")" - )"
t_eq "the planted multimodal rows (5, and 3 serialised content lists) were dropped" 8 "$(jq .dropped "$B/summaries/dolci.3-drop-multimodal.json")"
t_eq "the planted tool-use rows were dropped" 5 "$(jq .dropped "$B/summaries/dolci.4-drop-tool-use.json")"
t_eq "no identity claim or cut-off left" 0 "$(drop-identity -q "$B/train.jsonl" | wc -l | xargs expr "$(wc -l <"$B/train.jsonl")" - )"
t_eq "the planted OLMo/Ai2 identity rows and the cut-off were dropped" '{"foreign_identity":3,"knowledge_cutoff":1}' "$(jq -c .reasons "$B/summaries/dolci.5-drop-identity.json")"
t_eq "and GPT-4's identity and a cut-off in Magicoder" '{"foreign_identity":2,"knowledge_cutoff":1}' "$(jq -c .reasons "$B/summaries/magicoder.5-drop-identity.json")"
t_eq "each with its rejects line" "dolci-380 dolci-381 dolci-382 dolci-383" "$(jq -r .id "$B/stages/dolci.rejects.identity.jsonl" | tr '\n' ' ' | sed 's/ $//')"
t_eq "the third-person answer about OLMo was kept" 1 "$(jq -r 'select(.id == "dolci-384") | .id' "$B/stages/dolci.jsonl" | wc -l | tr -d ' ')"
t_eq "the planted serialised content lists were dropped as multimodal_part" "dolci-390 dolci-391 dolci-392" \
	"$(jq -r 'select(.reason == "multimodal_part") | .id' "$B/stages/dolci.rejects.multimodal.jsonl" | tr '\n' ' ' | sed 's/ $//')"
t_eq "and the same JSON in a fence was kept" 1 "$(jq -r 'select(.id == "dolci-393") | .id' "$B/stages/dolci.jsonl" | wc -l | tr -d ' ')"
t_eq "the planted truncated codeforces trace was rejected" '{"truncated":1}' "$(jq -c .reasons "$B/summaries/codeforces.2-to-messages.json")"
t_eq "Dolci's Math rows met no part of the recipe, and blend says so" 50 "$(jq .reasons.no_part "$B/summaries/9-blend.json")"
t_eq "cross-source copies were deduplicated" 26 "$(jq .dropped "$B/summaries/8-dedup.json")"
t_eq "every summary adds up: read = kept + dropped, dropped = the sum of its reasons" "" "$(jq -r 'select(.read != .kept + .dropped or .dropped != ([.reasons[]] | add // 0)) | input_filename' "$B"/summaries/*.json)"
for src in dolci openmath magicoder codeforces; do
	t_eq "$src: each stage reads what the one before kept" "" "$(jq -s -r 'range(1; length) as $i | select(.[$i].read != .[$i - 1].kept) | .[$i].tool' "$B"/summaries/$src.[1-7]*-*.json)"
	t_eq "$src: what the stages dropped are the rejects files' lines" "$(jq -s '[.[1:][].dropped] | add' "$B"/summaries/$src.[1-7]*-*.json)" "$(cat "$B"/stages/$src.rejects.*.jsonl | wc -l | tr -d ' ')"
done
t_eq "openmath: one solution per problem, the planted repeats set aside" '22 {"duplicate":22}' "$(jq -c '.dropped, .reasons' "$B/summaries/openmath.2a-per-problem.json" | tr '\n' ' ' | sed 's/ $//')"
t_eq "and so does the manifest" 22 "$(jq '.stages["openmath.2a-per-problem"].dropped' "$B/manifest.json")"
t_grep "the report shows the per-problem stage" "per-problem" "$B/report.html"
t_eq "dedup reads what the sources' last stages kept" "$(jq -s '[.[].kept] | add' "$B"/summaries/*.7-tok-len.json)" "$(jq .read "$B/summaries/8-dedup.json")"
t_eq "then blend what dedup kept, and sft-check what blend kept" "1133 1133 862 862" "$(jq -s -r '"\(.[0].kept) \(.[1].read) \(.[1].kept) \(.[2].read)"' "$B"/summaries/8-dedup.json "$B"/summaries/9-blend.json "$B"/summaries/10-sft-check.json)"
t_ok "the lock pins every dataset, benchmark and the model" test "$(wc -l <"$B/lock.jsonl")" -eq 15
t_eq "decontam dropped the planted benchmark items, per source" "1 3 1 2" \
	"$(for s in codeforces dolci magicoder openmath; do jq .dropped "$B/summaries/$s.6-decontam.json"; done | tr '\n' ' ' | sed 's/ $//')"
t_eq "and kept the GSM8K train question in OpenMath" 1 "$(jq -r .messages[0].content "$B/stages/openmath.jsonl" | grep -c "^Natalia sold clips to 48 of her friends in April")"
t_grep "each drop names its benchmark item" '"detail":"humaneval HumanEval/2 def+canonical_solution: whole' "$B/stages/dolci.rejects.decontam.jsonl"
t_eq "the per-source reports list the items hit" 8 "$(cat "$B"/stages/*.decontam.report.jsonl | wc -l | tr -d ' ')"
t_grep "the report has the composition" "Composition by source" "$B/report.html"
t_grep "and the contamination, per benchmark" '<td class="t">gsm8k</td><td>1</td><td>1</td><td>1</td>' "$B/report.html"
t_grep "and drop-identity's stage, like the others" '<td>dolci.5-drop-identity</td><td class="t">drop-identity</td><td>404</td><td>400</td><td>4</td><td class="t">foreign_identity 3, knowledge_cutoff 1</td>' "$B/report.html"
h1=$(jq -r '.outputs[0].sha256' "$B/manifest.json")
sh "$SFTKIT_ROOT/pipelines/build.sh" sample >"$T/log2" 2>&1
t_eq "a rerun redoes no stage" 0 "$(grep -c '^== \(dolci\|openmath\|magicoder\|codeforces\|dedup\|blend\)' "$T/log2")"
touch "$SFTKIT_ROOT/pipelines/recipes/sample.recipe"
sh "$SFTKIT_ROOT/pipelines/build.sh" sample >"$T/log3" 2>&1
t_eq "a changed recipe redoes blend onwards only" "== blend == sft-check == sft-report" "$(grep '^== ' "$T/log3" | grep -v 'tokenizer\|benchmarks' | tr '\n' ' ' | sed 's/ $//')"
rm -rf "$B/stages" "$B/summaries" "$B/train.jsonl" "$B/validation.jsonl" "$B/manifest.json" "$B/checked"
touch "$T/mark"; sleep 1
sh "$SFTKIT_ROOT/pipelines/build.sh" sample >"$T/log4" 2>&1
t_eq "a full rebuild gives the same bytes" "$h1" "$(jq -r '.outputs[0].sha256' "$B/manifest.json")"
t_eq "and downloads nothing (no new blob in the Hub cache)" 0 "$(find "$B/cache" -path '*/blobs/*' -newer "$T/mark" | wc -l | tr -d ' ')"
t_ok "the cache has the blobs" test "$(find "$B/cache" -path '*/blobs/*' | wc -l)" -ge 8
if command -v chromium >/dev/null 2>&1; then
	chromium --headless --no-sandbox --disable-gpu --screenshot="$T/shot.png" --window-size=1200,1600 "file://$B/report.html" >/dev/null 2>&1
	t_ok "chromium renders the report" test -s "$T/shot.png"
	t_eq "the screenshot is not blank" 1 "$(python3 - "$T/shot.png" <<'PY'
import sys, zlib, struct
d = open(sys.argv[1], "rb").read()
pos, idat, w, h = 8, b"", 0, 0
while pos < len(d):
    n, t = struct.unpack(">I4s", d[pos:pos + 8]); body = d[pos + 8:pos + 8 + n]
    if t == b"IHDR": w, h = struct.unpack(">II", body[:8])
    if t == b"IDAT": idat += body
    pos += 12 + n
raw = zlib.decompress(idat)
print(1 if len(set(raw[: w * 4 * 200])) > 8 else 0)
PY
)"
else
	t_skip "the report renders in headless Chromium" "chromium is not installed (SFTKIT_DEPS_EXTRA='chromium' make deps)"
fi

# scaling out: a filter stage across cores with GNU parallel --pipe, dedup across processes with --shard
S="$B/stages"
cat "$S/dolci.jsonl" "$S/magicoder.jsonl" "$S/openmath.jsonl" "$S/codeforces.jsonl" >"$T/all.jsonl"
if command -v parallel >/dev/null 2>&1; then
	drop-multimodal -q <"$T/all.jsonl" | drop-tool-use -q >"$T/one.jsonl"
	parallel --pipe -k --block 50k -j 2 'drop-multimodal -q | drop-tool-use -q' <"$T/all.jsonl" >"$T/par.jsonl"
	t_eq "filters under parallel --pipe -k = one process" "$(md5sum <"$T/one.jsonl")" "$(md5sum <"$T/par.jsonl")"
	TK=$(dirname "$(find "$B/cache" -path '*snapshots*' -name tokenizer.json | head -1)")
	tok-len -q -t "$TK" --max 8192 <"$T/all.jsonl" >"$T/tone.jsonl"
	parallel --pipe -k --block 50k -j 2 "tok-len -q -t '$TK' --max 8192" <"$T/all.jsonl" >"$T/tpar.jsonl"
	t_eq "tok-len under parallel --pipe -k = one process" "$(md5sum <"$T/tone.jsonl")" "$(md5sum <"$T/tpar.jsonl")"
	dedup -q --mode exact "$T/all.jsonl" | sort >"$T/d1"
	parallel -j 2 "dedup -q --mode exact --shard {}/4 '$T/all.jsonl'" ::: 0 1 2 3 | sort >"$T/d4"
	t_eq "dedup --shard over 4 processes = one process" "$(md5sum <"$T/d1")" "$(md5sum <"$T/d4")"
else
	t_skip "scaling out with GNU parallel" "parallel is not installed"
fi
t_eq "the report lists the stages in pipeline order, the sources in turn" "codeforces.1-fetch dolci.1-fetch magicoder.1-fetch openmath.1-fetch codeforces.2-to-messages" \
	"$(grep -o '<td>[a-z]*\.[0-9]-[a-z-]*\|<td>[0-9]-[a-z-]*' "$B/report.html" | sed 's/<td>//' | head -5 | tr '\n' ' ' | sed 's/ $//')"
t_eq "and the whole set's stages last" "8-dedup 9-blend 10-sft-check" \
	"$(grep -o '<td>[a-z]*\.[0-9]-[a-z-]*\|<td>[0-9]*-[a-z-]*' "$B/report.html" | sed 's/<td>//' | tail -3 | tr '\n' ' ' | sed 's/ $//')"
