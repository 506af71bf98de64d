#!/bin/sh
# tsan.sh — the threaded tools (tok-len -j, hf-fetch -j) built with
# ThreadSanitizer and run on real inputs; any report fails. `make tsan`.
set -eu
cd "$(dirname "$0")/.."
ROOT=$PWD
# The tools come from the Makefile's SANITIZE=thread variant (`make tsan`).
B=${SFTKIT_BIN:-$ROOT/build/tsan/bin}
for t in tok-len hf-fetch; do
	[ -x "$B/$t" ] || { echo "tsan: $B/$t missing: run make tsan" >&2; exit 1; }
done
# ThreadSanitizer needs kernel support (with vm.mmap_rnd_bits above 28 its
# runtime cannot map its shadow memory). A run that cannot check is a failure,
# not a pass: say why and how to fix it.
P=$(mktemp -d)
printf 'int main(void){return 0;}\n' >"$P/probe.c"
if ! cc -fsanitize=thread "$P/probe.c" -o "$P/probe" 2>"$P/probe.err" || ! "$P/probe" 2>>"$P/probe.err"; then
	echo "tsan: ThreadSanitizer cannot run on this machine ($(head -c 200 "$P/probe.err" | tr '\n' ' '))" >&2
	echo "tsan: try 'sysctl vm.mmap_rnd_bits=28' as root, then make tsan again" >&2
	rm -rf "$P"
	exit 1
fi
rm -rf "$P"
T=$(mktemp -d)
trap 'kill "${MOCKHUB_PID:-}" 2>/dev/null; rm -rf "$T"' EXIT
fail=0
# tok-len -j 4 over conversations, with the chat template, equal to -j 1
mkdir -p "$T/tok"
gzip -dc pipelines/sample/hub/models/Qwen/Qwen2.5-7B-Instruct/tokenizer.json.gz >"$T/tok/tokenizer.json"
cp pipelines/sample/hub/models/Qwen/Qwen2.5-7B-Instruct/tokenizer_config.json "$T/tok/"
python3 -c "
import json
for i in range(3000): print(json.dumps({'id': str(i), 'messages': [{'role': 'user', 'content': 'question %d ' % i + 'word ' * (i % 300)}, {'role': 'assistant', 'content': 'answer ' * (i % 50 + 1)}]}))" >"$T/in.jsonl"
"$B/tok-len" -q -j 4 -t "$T/tok" "$T/in.jsonl" >"$T/j4" 2>"$T/tsan-tok" || fail=1
"$B/tok-len" -q -j 1 -t "$T/tok" "$T/in.jsonl" >"$T/j1" 2>>"$T/tsan-tok" || fail=1
cmp -s "$T/j1" "$T/j4" || { echo "tsan: tok-len -j 4 differs from -j 1" >&2; fail=1; }
# the pipeline's stops: bad lines skipped, and one that stops the run with records in flight
awk 'NR % 397 == 5 { print "{bad" } { print }' "$T/in.jsonl" >"$T/bad.jsonl"
"$B/tok-len" -q -j 4 -t "$T/tok" --skip-bad "$T/bad.jsonl" >/dev/null 2>>"$T/tsan-tok" || fail=1
if "$B/tok-len" -q -j 4 -t "$T/tok" "$T/bad.jsonl" >/dev/null 2>>"$T/tsan-tok"; then echo "tsan: tok-len -j 4 took a bad line" >&2; fail=1; fi
# hf-fetch -j 4 downloads from the mock Hub
export SFTKIT_ROOT="$ROOT" HF_HUB_CACHE="$T/cache"
. pipelines/mockhub/start.sh
mockhub_start pipelines/sample/hub
for r in allenai/Dolci-Instruct-SFT nvidia/OpenMathInstruct-2 open-r1/codeforces-cots; do
	"$B/hf-fetch" -q -j 4 --files '**/*.parquet' "$r" >/dev/null 2>>"$T/tsan-hub" || fail=1
done
for f in "$T/tsan-tok" "$T/tsan-hub"; do
	if grep -q 'ThreadSanitizer' "$f"; then cat "$f" >&2; fail=1; fi
done
if [ $fail = 0 ]; then echo "tsan: tok-len -j 4 and hf-fetch -j 4 ran clean"; else echo "tsan: FAILED" >&2; fi
exit $fail
