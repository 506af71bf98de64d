# bench_hub.sh — downloads through hf-fetch against curl on the same files from
# the local mock Hub, in the same run: one large file, then many files
# (hf-fetch --jobs 4 against curl run file by file).
set -eu
. "$SFTKIT_ROOT/tests/bench/lib.sh"
. "$SFTKIT_ROOT/pipelines/mockhub/start.sh"
M="$BENCH_DIR/hubmirror"
R="$M/models/bench/files"
if [ ! -s "$R/large.bin" ]; then
	mkdir -p "$R"
	head -c 200000000 /dev/urandom >"$R/large.bin"
	for i in $(seq -w 1 40); do head -c 2000000 /dev/urandom >"$R/part-$i.bin"; done
fi
trap 'kill "$MOCKHUB_PID" 2>/dev/null || true' EXIT
mockhub_start "$M"
export HF_HUB_CACHE="$BENCH_DIR/hubcache"
# the mock hashes a repo's files on its first request: do that before timing
curl -sf "$HF_ENDPOINT/api/models/bench/files" >/dev/null
rm -rf "$HF_HUB_CACHE"
t_ours=$(bench_time "hf-fetch -q --model bench/files large.bin >/dev/null")
t_curl=$(bench_time "curl -sfL -o '$BENCH_DIR/large.curl' '$HF_ENDPOINT/bench/files/resolve/main/large.bin'")
echo "one 200 MB file: hf-fetch $(mbps 200000000 "$t_ours") MB/s (with sha256 check), curl $(mbps 200000000 "$t_curl") MB/s"
echo "ratio vs curl: $(ratio "$t_curl" "$t_ours")x (target >= 0.9x)"
rm -rf "$HF_HUB_CACHE"
files=$(cd "$R" && ls part-*.bin | tr '\n' ' ')
t_ours=$(bench_time "hf-fetch -q -j 4 --model bench/files $files >/dev/null")
t_curl=$(bench_time "for f in $files; do curl -sfL -o '$BENCH_DIR/part.curl' '$HF_ENDPOINT/bench/files/resolve/main/'\$f; done")
echo "40 files of 2 MB: hf-fetch -j 4 $(mbps 80000000 "$t_ours") MB/s, curl one by one $(mbps 80000000 "$t_curl") MB/s"
echo "ratio vs curl file by file: $(ratio "$t_curl" "$t_ours")x (target > 1x)"
rm -rf "$HF_HUB_CACHE" "$BENCH_DIR/large.curl" "$BENCH_DIR/part.curl"
