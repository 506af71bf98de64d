#!/bin/sh
# tsan.sh — the threaded tools (tok-len -j, hf-fetch -j) built with
# ThreadSanitizer and run on real inputs; any report fails. `make tsan`.
set -eu
cd "$(dirname "$0")/.."
ROOT=$PWD
B=build/tsan
mkdir -p "$B"
CFLAGS="-std=c11 -D_GNU_SOURCE -O1 -g -fsanitize=thread -Isrc/lib $(pkg-config --cflags libcurl zlib libzstd liblz4 libbrotlidec libpcre2-8 libutf8proc 2>/dev/null) -DSFTKIT_VERSION=\"tsan\""
LIBS="-lcurl -lz -lxxhash -lzstd -lsnappy -llz4 -lbrotlidec -lbrotlienc -lpcre2-8 -lutf8proc -ljq -lm -lpthread"
# ThreadSanitizer needs kernel support (some kernels' mmap randomisation stops it): probe first
printf 'int main(void){return 0;}\n' >"$B/probe.c"
if ! cc -fsanitize=thread "$B/probe.c" -o "$B/probe" 2>"$B/probe.err" || ! "$B/probe" 2>>"$B/probe.err"; then
	echo "tsan: ThreadSanitizer cannot run on this machine ($(head -c 200 "$B/probe.err" | tr '\n' ' ')); skipped"
	exit 0
fi
for t in tok-len hf-fetch; do
	# shellcheck disable=SC2086
	cc $CFLAGS $(find src/lib -name '*.c') "src/tools/$t.c" -o "$B/$t" $LIBS
done
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
# hf-fetch -j 4 downloads from the mock Hub
export SFTKIT_ROOT="$ROOT" HF_HUB_CACHE="$T/cache"
. tests/mockhub/start.sh
mockhub_start pipelines/sample/hub
for r in allenai/Dolci-Instruct-SFT nvidia/OpenMathInstruct-2 open-r1/codeforces-cots; do
	"$B/hf-fetch" -q -j 4 --files '**/*.parquet' "$r" >/dev/null 2>>"$T/tsan-hub" || fail=1
done
for f in "$T/tsan-tok" "$T/tsan-hub"; do
	if grep -q 'ThreadSanitizer' "$f"; then cat "$f" >&2; fail=1; fi
done
if [ $fail = 0 ]; then echo "tsan: tok-len -j 4 and hf-fetch -j 4 ran clean"; else echo "tsan: FAILED" >&2; fi
exit $fail
