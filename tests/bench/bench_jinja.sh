# bench_jinja.sh — chat-template rendering: sftkit's engine (parse once, render
# every record) against Python jinja2 as transformers sets it up, on the same
# conversations in the same run, for each model template in ../shared/tokenizers;
# then what the template adds to tok-len's counting (target: < 20%), and what
# --trainer nemo-rl's render per prefix costs over the single render.
set -eu
. "$SFTKIT_ROOT/tests/bench/lib.sh"
# the best of three wall times: the machine is shared, the minimum is the least disturbed run
best3() { a=$(bench_time "$1"); b=$(bench_time "$1"); c=$(bench_time "$1"); printf '%s\n%s\n%s\n' "$a" "$b" "$c" | sort -n | head -1; }
DRV="$BENCH_DIR/jinja_render"
cc -std=c11 -O2 -D_GNU_SOURCE -I"$SFTKIT_ROOT/src/lib" -o "$DRV" "$SFTKIT_ROOT/tests/bench/jinja_render.c" \
	"$SFTKIT_ROOT/build/release/libsftkit.a" -lutf8proc -lm
CONV="$BENCH_DIR/jinja-conv-20.jsonl"
[ -s "$CONV" ] || python3 "$SFTKIT_ROOT/tests/bench/gen_chat.py" 20 >"$CONV"
size=$(wc -c <"$CONV")
TOKS="$SFTKIT_SHARED/tokenizers"
[ -d "$TOKS" ] || { echo "bench_jinja: $TOKS absent, skipped"; exit 0; }
for m in qwen2_5 qwen3 llama3_1; do
	cfg="$TOKS/$m/tokenizer_config.json"
	[ -s "$cfg" ] || continue
	python3 -c 'import json, sys; c = json.load(open(sys.argv[1])); open(sys.argv[2], "w").write(c["chat_template"])
v = {"add_generation_prompt": False}
for k in ("bos_token", "eos_token"):
    t = c.get(k)
    t = t.get("content") if isinstance(t, dict) else t
    if t is not None: v[k] = t
open(sys.argv[3], "w").write(json.dumps(v))' "$cfg" "$BENCH_DIR/$m.jinja" "$BENCH_DIR/$m.vars"
	vars=$(cat "$BENCH_DIR/$m.vars")
	a=$("$DRV" "$BENCH_DIR/$m.jinja" "$vars" <"$CONV")
	b=$(python3 "$SFTKIT_ROOT/tests/bench/jinja_peer.py" "$BENCH_DIR/$m.jinja" "$vars" <"$CONV")
	[ "$a" = "$b" ] || echo "bench_jinja: $m: the renders differ: sftkit '$a', jinja2 '$b'" >&2
	t_s=$(best3 "'$DRV' '$BENCH_DIR/$m.jinja' '$vars' <'$CONV' >/dev/null")
	t_p=$(best3 "python3 '$SFTKIT_ROOT/tests/bench/jinja_peer.py' '$BENCH_DIR/$m.jinja' '$vars' <'$CONV' >/dev/null")
	printf 'render %-9s %s MB: sftkit %7s MB/s, Python jinja2 (transformers setup) %6s MB/s: %sx  [%s]\n' \
		"$m" "$(echo "scale=1; $size / 1000000" | bc -l)" "$(mbps "$size" "$t_s")" "$(mbps "$size" "$t_p")" "$(ratio "$t_p" "$t_s")" "$a"
done
# the template's share of tok-len's work, per model (tokenizer load excluded;
# each time the best of three, the machine being shared)
echo '{"messages":[]}' >"$BENCH_DIR/jinja-empty.jsonl"
BIG="$BENCH_DIR/jinja-conv-60.jsonl"
[ -s "$BIG" ] || cat "$CONV" "$CONV" "$CONV" >"$BIG"
for m in qwen2_5 qwen3 llama3_1; do
	[ -s "$TOKS/$m/tokenizer.json" ] || continue
	t0=$(best3 "tok-len -q -j 1 -t '$TOKS/$m' --no-template '$BENCH_DIR/jinja-empty.jsonl' >/dev/null")
	t_plain=$(best3 "tok-len -q -j 1 -t '$TOKS/$m' --no-template '$BIG' >/dev/null")
	t_tmpl=$(best3 "tok-len -q -j 1 -t '$TOKS/$m' '$BIG' >/dev/null")
	t_nemo=$(best3 "tok-len -q -j 1 -t '$TOKS/$m' --trainer nemo-rl '$BIG' >/dev/null")
	t_plain=$(echo "$t_plain - $t0" | bc -l); t_tmpl=$(echo "$t_tmpl - $t0" | bc -l); t_nemo=$(echo "$t_nemo - $t0" | bc -l)
	echo "tok-len -j 1 $m, 60 MB: contents alone ${t_plain}s, through the template ${t_tmpl}s:" \
		"+$(echo "scale=1; ($t_tmpl - $t_plain) * 100 / $t_plain" | bc -l)% (target < 20%);" \
		"--trainer nemo-rl (a render per prefix) ${t_nemo}s: $(ratio "$t_nemo" "$t_tmpl")x the single render's time"
done
