# bench_blend.sh — blend over 1M records against coreutils doing the draw
# alone: grep each source, shuf -n its count (shuf | head, in one reservoir
# pass), then shuf the union; same input,
# same run. blend also checks, filters by field, splits validation, writes the
# manifest with checksums.
set -eu
. "$SFTKIT_ROOT/tests/bench/lib.sh"
N=${BENCH_BLEND_N:-1000000}
IN="$BENCH_DIR/blend-$N.jsonl"
[ -s "$IN" ] || python3 -c "
import json, random, sys
r = random.Random(3)
srcs = ['dolci', 'magic', 'cf', 'om']
w = sys.stdout.write
for i in range($N):
    s = srcs[i % 4]
    w(json.dumps({'id': str(i), 'source': s, 'n_tokens': r.randint(10, 8000), 'messages': [{'role': 'user', 'content': 'question %d ' % i + 'x' * r.randint(10, 200)}, {'role': 'assistant', 'content': 'answer ' + 'y' * r.randint(10, 300)}]}) + '\n')
" >"$IN"
size=$(stat -c %s "$IN")
q=$((N / 8))
printf 'seed 1\ndolci %d source=dolci\nmagic %d source=magic\ncf %d source=cf\nom %d source=om\n' $q $q $q $q >"$BENCH_DIR/blend.recipe"
cat "$IN" >/dev/null
OUT="$BENCH_DIR/blend-out.$$"
t_ours=$(bench_time "blend -q -r '$BENCH_DIR/blend.recipe' -o '$OUT' --val 0.01 '$IN'")
t_stdin=$(bench_time "blend -q -r '$BENCH_DIR/blend.recipe' -o '$OUT' --val 0.01 <'$IN'")
t_peer=$(bench_time "for s in dolci magic cf om; do grep -F \"\\\"source\\\": \\\"\$s\\\"\" '$IN' | shuf -n $q --random-source='$IN'; done | shuf --random-source='$IN' >'$BENCH_DIR/blend-peer.jsonl'")
echo "$N records, $(mbps "$size" 1) MB, drawing 4 x $q:"
echo "  blend FILE:            ${t_ours}s ($(mbps "$size" "$t_ours") MB/s; two passes over the file)"
echo "  blend <FILE:           ${t_stdin}s ($(mbps "$size" "$t_stdin") MB/s; standard input spooled)"
echo "  grep | shuf -n; shuf:  ${t_peer}s ($(mbps "$size" "$t_peer") MB/s)"
echo "  blend time / coreutils time: $(ratio "$t_ours" "$t_peer") from a file, $(ratio "$t_stdin" "$t_peer") from standard input (target <= 1.5)"
rm -rf "$OUT" "$BENCH_DIR/blend-peer.jsonl"
