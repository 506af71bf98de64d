# lib.sh — helpers for benchmarks (sourced).
#   bench_time CMD...   run CMD (sh -c), print elapsed seconds to stdout
#   bench_rss CMD...    peak RSS in MB of CMD (GNU time when present, else /proc)
#   ratio A B           A/B with two decimals
bench_time() { s=$(date +%s.%N); sh -c "$*" || echo "command failed: $*" >&2; e=$(date +%s.%N); echo "$e - $s" | bc -l; }
ratio() { echo "scale=2; $1 / $2" | bc -l; }
mbps() { echo "scale=1; $1 / 1000000 / $2" | bc -l; }
# peak RSS (MB) of a shell command, from getrusage of its children
bench_rss() { python3 -c 'import resource, subprocess, sys
subprocess.run(["sh", "-c", sys.argv[1]])
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024)' "$*"; }
