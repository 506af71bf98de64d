# bench_pipeline.sh — each stage's throughput on the same generated input
# (rows shaped like the sources), for the README's estimate of the full build:
# about 2.6M source rows (Dolci 2.15M, OpenMath train_1M 1M is sampled to
# 125K but read whole, Magicoder 111K, codeforces 48K), download excluded.
set -eu
. "$SFTKIT_ROOT/tests/bench/lib.sh"
N=${BENCH_PIPE_N:-200000}
IN="$BENCH_DIR/pipe-$N.jsonl"
[ -s "$IN" ] || { python3 "$SFTKIT_ROOT/tests/bench/gen_chat.py" $((N / 380 + 1)) 2>/dev/null | head -n "$N" >"$IN"; }
n=$(wc -l <"$IN")
TK="$BENCH_DIR/qwen"
mkdir -p "$TK"
[ -s "$TK/tokenizer.json" ] || gzip -dc "$SFTKIT_ROOT/pipelines/sample/hub/models/Qwen/Qwen2.5-7B-Instruct/tokenizer.json.gz" >"$TK/tokenizer.json"
cp "$SFTKIT_ROOT/pipelines/sample/hub/models/Qwen/Qwen2.5-7B-Instruct/tokenizer_config.json" "$TK/"
jq -c '{instruction: .messages[0].content, response: .messages[-1].content}' "$IN" >"$BENCH_DIR/pipe-rows.jsonl"
cat "$IN" "$BENCH_DIR/pipe-rows.jsonl" >/dev/null
echo "input: $n conversations, $(mbps "$(stat -c %s "$IN")" 1) MB"
total=0; serial=0
stage() { # name command [serial]: prints rows/s and adds seconds per 1M rows to the total
	t=$(bench_time "$2")
	rps=$(echo "scale=0; $n / $t" | bc -l)
	per=$(echo "scale=2; 1000000 / $rps" | bc -l)
	total=$(echo "$total + $per" | bc -l)
	[ "${3:-}" = serial ] && serial=$(echo "$serial + $per" | bc -l)
	printf '  %-18s %10s rows/s  %8s s per 1M rows (1 core)\n' "$1" "$rps" "$per"
}
stage to-messages "to-messages -q --preset magicoder '$BENCH_DIR/pipe-rows.jsonl' >/dev/null"
stage drop-multimodal "drop-multimodal -q '$IN' >/dev/null"
stage drop-tool-use "drop-tool-use -q '$IN' >/dev/null"
# decontam against every set in ../shared/benchmarks (the index built in the run)
BM="$SFTKIT_SHARED/benchmarks"
if [ -d "$BM" ]; then
	DA=""
	for f in humaneval/test.jsonl humanevalplus/test.jsonl mbpp/full.jsonl mbpp/sanitized.json gsm8k/test.jsonl math/test.jsonl \
		math500/test.jsonl aime24/test.jsonl aime25/test.jsonl amc23/test.jsonl comp-math-24-25/test.jsonl; do
		DA="$DA -a $(echo "$f" | tr '/.' '--')=$BM/$f"
	done
	stage decontam "decontam -q $DA '$IN' >/dev/null"
fi
stage tok-len "tok-len -q -t '$TK' --max 8192 '$IN' >/dev/null"
stage dedup "dedup -q '$IN' >/dev/null" serial
printf 'seed 1\nall 50%%\n' >"$BENCH_DIR/pipe.recipe"
stage blend "blend -q -r '$BENCH_DIR/pipe.recipe' -o '$BENCH_DIR/pipe-out' --val 0.01 '$IN'" serial
echo "  all stages: $total s per 1M rows on 1 core"
par=$(echo "$total - $serial" | bc -l)
est() { echo "scale=0; ($serial + $par / $1) * 2.6 / 1" | bc -l; }
echo "estimate for 2.6M source rows (per-source stages split across cores with parallel --pipe;"
echo "dedup and blend on one core): 1 core $(est 1) s, 2 cores $(est 2) s, 16 cores $(est 16) s"
rm -rf "$BENCH_DIR/pipe-out"
