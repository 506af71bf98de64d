# bench_decontam.sh — decontam against every set in ../shared/benchmarks:
# the index (build time, memory), the streaming speed against jsonl-check on
# the same file (target >= 0.25x), and against lm-evaluation-harness's method
# (13-gram set lookup, tests/bench/decontam_peer.py) in speed and in quality
# on the planted set of tests/fixtures/decontam.
set -eu
. "$SFTKIT_ROOT/tests/bench/lib.sh"
BM="$SFTKIT_SHARED/benchmarks"
[ -d "$BM" ] || { echo "skipped: no $BM"; exit 0; }
set -- "$BM/humaneval/test.jsonl" "$BM/humanevalplus/test.jsonl" "$BM/mbpp/full.jsonl" "$BM/mbpp/sanitized.json" \
	"$BM/gsm8k/test.jsonl" "$BM/math/test.jsonl" "$BM/math500/test.jsonl" "$BM/aime24/test.jsonl" "$BM/aime25/test.jsonl" \
	"$BM/amc23/test.jsonl" "$BM/comp-math-24-25/test.jsonl" "$BM/mmlu/test.jsonl"
A=""; k=0
for f in "$@"; do k=$((k + 1)); A="$A -a b$k=$f"; done
bsize=$(cat "$@" | wc -c)
C="$BENCH_DIR/decontam-chat.jsonl"
[ -s "$C" ] || python3 "$SFTKIT_ROOT/tests/bench/gen_chat.py" 200 15 >"$C"
size=$(stat -c %s "$C")
cat "$C" >/dev/null
# CPU seconds (user + system) of a command: on a machine shared with other
# work, wall time measures the neighbours as much as the tool
cpu_time() { python3 -c 'import resource, subprocess, sys
subprocess.run(["sh", "-c", sys.argv[1]])
r = resource.getrusage(resource.RUSAGE_CHILDREN)
print("%.3f" % (r.ru_utime + r.ru_stime))' "$*"; }
best() { b=""; for i in 1 2 3; do t=$(cpu_time "$1"); if [ -z "$b" ] || [ "$(echo "$t < $b" | bc -l)" = 1 ]; then b=$t; fi; done; echo "$b"; }
echo "index of $# sets, $(mbps "$bsize" 1) MB of benchmark files:"
t_idx=$(best "decontam -q $A </dev/null >/dev/null")
rss_idx=$(bench_rss "decontam -q $A </dev/null >/dev/null")
echo "  built in ${t_idx}s of CPU, peak RSS ${rss_idx} MB (target: well under 500 MB)"
t_dc=$(best "decontam -q $A '$C' >/dev/null")
t_jc=$(best "jsonl-check -q '$C' >/dev/null")
# decontam's time less the index build is the streaming time
t_stream=$(echo "$t_dc - $t_idx" | bc -l)
echo "streaming $(mbps "$size" 1) MB of generated chat JSONL (CPU time, best of 3):"
echo "  decontam: $(mbps "$size" "$t_stream") MB/s streaming (${t_dc}s with the index build)"
echo "  jsonl-check: $(mbps "$size" "$t_jc") MB/s"
echo "  ratio decontam / jsonl-check: $(ratio "$t_jc" "$t_stream")x streaming, $(ratio "$t_jc" "$t_dc")x with the build (target >= 0.25x)"
# the peer is Python: time it on the first 20 MB and compare MB/s
P="$BENCH_DIR/decontam-chat-20.jsonl"
head -c 20000000 "$C" | sed '$d' >"$P"
psize=$(stat -c %s "$P")
t_peer=$(cpu_time "python3 '$SFTKIT_ROOT/tests/bench/decontam_peer.py' /dev/null /dev/null $* <'$P'")
t_pidx=$(cpu_time "python3 '$SFTKIT_ROOT/tests/bench/decontam_peer.py' /dev/null /dev/null $* </dev/null")
t_pstream=$(echo "$t_peer - $t_pidx" | bc -l)
echo "  peer (lm-evaluation-harness 13-gram set lookup, Python) on $(mbps "$psize" 1) MB: $(mbps "$psize" "$t_pstream") MB/s streaming, index ${t_pidx}s"
echo "  ratio decontam / peer: $(echo "scale=1; ($size / $t_stream) / ($psize / $t_pstream)" | bc -l)x streaming"
# quality on the planted set, both tools
Q="$BENCH_DIR/decontam-planted"
python3 "$SFTKIT_ROOT/tests/fixtures/decontam/make-planted.py" "$SFTKIT_SHARED" "$Q" 2>/dev/null
set --
for f in "$Q/index/"*; do set -- "$@" "$f"; done
A=""; for f in "$@"; do A="$A -a $f"; done
decontam -q $A --rejects "$Q/rej.jsonl" "$Q/planted.jsonl" >"$Q/kept.jsonl"
python3 "$SFTKIT_ROOT/tests/bench/decontam_peer.py" "$Q/peer-kept.jsonl" "$Q/peer-rej.jsonl" "$@" <"$Q/planted.jsonl"
echo "quality on the planted set (recall per positive kind; false drops per negative kind):"
python3 "$SFTKIT_ROOT/tests/fixtures/decontam/score.py" "$Q/planted.jsonl" "$Q/kept.jsonl" "$Q/rej.jsonl" | sed 's/ named=[0-9]*//; s/^/  decontam: /'
python3 "$SFTKIT_ROOT/tests/fixtures/decontam/score.py" "$Q/planted.jsonl" "$Q/peer-kept.jsonl" "$Q/peer-rej.jsonl" | sed 's/ named=[0-9]*//; s/^/  peer:     /'
