# bench_parquet.sh — parquet-cat against DuckDB (one thread each) turning the
# same Parquet file into JSON Lines, in the same run; peak memory on a file of
# several row groups (streaming: bounded by a row group, not the file).
set -eu
. "$SFTKIT_ROOT/tests/bench/lib.sh"
ORACLES=${ORACLES:-/tmp/oracles}
if [ ! -d "$ORACLES/node_modules/@duckdb/node-api" ]; then
	ORACLES="$BENCH_DIR/oracles"
	[ -d "$ORACLES/node_modules/@duckdb/node-api" ] || (mkdir -p "$ORACLES" && cd "$ORACLES" && npm init -y >/dev/null && npm install @duckdb/node-api >/dev/null 2>&1)
fi
export ORACLES
N=${BENCH_PARQUET_N:-1000000}
IN="$BENCH_DIR/om-$N.parquet"
[ -s "$IN" ] || node "$SFTKIT_ROOT/tests/bench/duck_peer.mjs" make "$N" "$IN"
cat "$IN" >/dev/null
t_ours=$(bench_time "parquet-cat -q '$IN' >'$BENCH_DIR/pq-ours.jsonl'")
t_duck=$(node "$SFTKIT_ROOT/tests/bench/duck_peer.mjs" "$IN" "$BENCH_DIR/pq-duck.jsonl")
out=$(stat -c %s "$BENCH_DIR/pq-ours.jsonl")
echo "$N rows, $(mbps "$(stat -c %s "$IN")" 1) MB of zstd Parquet -> $(mbps "$out" 1) MB of JSONL"
echo "  parquet-cat: ${t_ours}s ($(mbps "$out" "$t_ours") MB/s of JSONL)"
echo "  DuckDB 1 thread: ${t_duck}s"
echo "  ratio: $(ratio "$t_duck" "$t_ours")x (target > 1: faster than DuckDB at the same thread count)"
t_cols=$(bench_time "parquet-cat -q --columns problem_source,idx '$IN' >/dev/null")
t_where=$(bench_time "parquet-cat -q --where problem_source=math --columns idx '$IN' >/dev/null")
echo "  --columns problem_source,idx: ${t_cols}s; --where problem_source=math: ${t_where}s (projection and pushdown)"
echo "  peak RSS of parquet-cat over $(parquet-cat --schema "$IN" | jq '.row_groups|length') row groups: $(bench_rss "parquet-cat -q '$IN' >/dev/null") MB (file $(mbps "$(stat -c %s "$IN")" 1) MB)"
rm -f "$BENCH_DIR/pq-ours.jsonl" "$BENCH_DIR/pq-duck.jsonl"
