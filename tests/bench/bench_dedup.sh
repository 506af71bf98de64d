# bench_dedup.sh — dedup's quality against brute-force Jaccard (precision and
# recall at 0.8) on generated conversations with planted near duplicates, and
# its speed: near mode on ~4 KB conversations (extrapolated to 1M on this
# machine's cores), exact mode in MB/s. BENCH_DEDUP_PEER=/path/to/an/older/dedup
# times that binary's near mode on the same input in the same run, for the ratio.
set -eu
. "$SFTKIT_ROOT/tests/bench/lib.sh"
G="$SFTKIT_ROOT/tests/bench/gen_dups.py"
for words in 200 700; do
	Q="$BENCH_DIR/dups-q$words.jsonl"
	[ -s "$Q" ] || python3 "$G" 3000 $words 1 >"$Q"
	dedup -q --mode near --rejects "$BENCH_DIR/dups-rej.jsonl" "$Q" >/dev/null
	echo "quality, 3000 conversations of ~$words words (targets: precision >= 0.95, recall >= 0.90):"
	echo "  $(python3 "$SFTKIT_ROOT/tests/bench/dedup_truth.py" "$Q" "$BENCH_DIR/dups-rej.jsonl" 0.8)"
done
N=${BENCH_DEDUP_N:-50000}
S="$BENCH_DIR/dups-s$N.jsonl"
[ -s "$S" ] || python3 "$G" "$N" 700 2 >"$S"
size=$(stat -c %s "$S")
cat "$S" >/dev/null
t_near=$(bench_time "dedup -q --mode near '$S' >/dev/null")
t_exact=$(bench_time "dedup -q --mode exact '$S' >/dev/null")
peer=${BENCH_DEDUP_PEER:-}
[ -z "$peer" ] || t_peer=$(bench_time "'$peer' -q --mode near '$S' >/dev/null")
t_sort=$(bench_time "sort -u '$S' >/dev/null")
echo "speed on $N conversations, $(mbps "$size" 1) MB (mean $((size / N)) bytes):"
echo "  near mode: ${t_near}s, $(echo "scale=0; $N / $t_near" | bc -l) records/s; 1M conversations of 4 KB ~ $(echo "scale=0; 1000000 * 4096 / ($size / $N) / ($N / $t_near)" | bc -l) s on 1 core (target <= 180 s on 2 cores)"
[ -z "$peer" ] || echo "  near mode of $peer: ${t_peer}s; this one takes $(ratio "$t_near" "$t_peer")x its time"
echo "  exact mode: $(mbps "$size" "$t_exact") MB/s (target >= 500); peer sort -u (exact lines only): $(mbps "$size" "$t_sort") MB/s"
