#!/bin/sh
# run.sh — `make bench`: run every tests/bench/bench_*.sh (or those named in
# the arguments). Each one generates its input at bench time, runs the sftkit
# tool and its peer on the same input in the same run, and prints throughput
# and the ratio. Timings are noisy on shared machines: read the ratios.
set -eu
cd "$(dirname "$0")/../.."
export SFTKIT_ROOT=$(pwd)
export SFTKIT_BIN="${SFTKIT_BIN:-$SFTKIT_ROOT/bin}"
export SFTKIT_SHARED="${SFTKIT_SHARED:-$SFTKIT_ROOT/../shared}"
export PATH="$SFTKIT_BIN:$PATH"
export BENCH_DIR="${BENCH_DIR:-${TMPDIR:-/tmp}/sftkit-bench}"
mkdir -p "$BENCH_DIR"
sel="$*"
for b in tests/bench/bench_*.sh; do
	name=$(basename "$b" .sh); name=${name#bench_}
	if [ -n "$sel" ]; then case " $sel " in *" $name "*) ;; *) continue ;; esac; fi
	echo "== $name"
	sh "$b" || echo "bench $name FAILED"
done
