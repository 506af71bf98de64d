#!/bin/sh
# source.sh NAME — one source's stage pipeline: fetch, convert, filter, count.
# Environment (set by build.sh): OUT (stage outputs), SUM (summaries), LOCK,
# TOK (tokenizer dir), MAXTOK, JOBS, TRAINER (tok-len --trainer, default
# nemo-rl), OPENMATH_PER_PROBLEM, OPENMATH_FILTERS, BENCH (the fetched
# benchmarks and their decontam options, pipelines/benchmarks.sh). Each stage
# saves its --summary.
set -eu
name=$1
case $name in
dolci)      repo=allenai/Dolci-Instruct-SFT;           fetch="";                 preset=dolci ;;
openmath)   repo=nvidia/OpenMathInstruct-2;            fetch="--split train_1M"; preset=openmath ;;
magicoder)  repo=ise-uiuc/Magicoder-Evol-Instruct-110K; fetch="";                preset=magicoder ;;
codeforces) repo=open-r1/codeforces-cots;              fetch="--config solutions"; preset=codeforces ;;
*) echo "source.sh: unknown source '$name'" >&2; exit 2 ;;
esac
# OpenMathInstruct-2 has several solutions per problem: keep OPENMATH_PER_PROBLEM (0: all)
per_problem() { if [ "$name" = openmath ] && [ "$OPENMATH_PER_PROBLEM" != 0 ]; then dedup --mode exact --key user --keep-per-key "$OPENMATH_PER_PROBLEM" -q --rejects "$OUT/$name.rejects.per-problem.jsonl" --summary "$SUM/$name.2a-per-problem.json"; else cat; fi; }
extra=$([ "$name" = openmath ] && echo "${OPENMATH_FILTERS:-}" || :)
# The tools stop the pipe with exit 1 on bad data; pipefail (bash, dash >= 0.5.12)
# would be nicer, so each stage's status is checked through its summary file.
rm -f "$SUM/$name".*.json
# shellcheck disable=SC2086
hf-fetch "$repo" $fetch --lock "$LOCK" -q --summary "$SUM/$name.1-fetch.json" |
	to-messages --preset "$preset" $extra -q --rejects "$OUT/$name.rejects.to-messages.jsonl" --summary "$SUM/$name.2-to-messages.json" |
	per_problem |
	drop-multimodal -q --rejects "$OUT/$name.rejects.multimodal.jsonl" --summary "$SUM/$name.3-drop-multimodal.json" |
	drop-tool-use -q --rejects "$OUT/$name.rejects.tool-use.jsonl" --summary "$SUM/$name.4-drop-tool-use.json" |
	drop-identity -q --rejects "$OUT/$name.rejects.identity.jsonl" --summary "$SUM/$name.5-drop-identity.json" |
	decontam $(cat "$BENCH/args") -q --rejects "$OUT/$name.rejects.decontam.jsonl" --report "$OUT/$name.decontam.report.jsonl" \
		--summary "$SUM/$name.6-decontam.json" |
	tok-len -t "$TOK" --trainer "${TRAINER:-nemo-rl}" --max "$MAXTOK" -j "$JOBS" -q --rejects "$OUT/$name.rejects.too-long.jsonl" --summary "$SUM/$name.7-tok-len.json" \
	>"$OUT/$name.jsonl.tmp"
for s in 1-fetch 2-to-messages $([ "$name" = openmath ] && [ "$OPENMATH_PER_PROBLEM" != 0 ] && echo 2a-per-problem) 3-drop-multimodal 4-drop-tool-use 5-drop-identity 6-decontam 7-tok-len; do
	[ -s "$SUM/$name.$s.json" ] || { echo "source.sh: $name: stage $s failed" >&2; exit 1; }
done
mv "$OUT/$name.jsonl.tmp" "$OUT/$name.jsonl"
