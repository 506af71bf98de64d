#!/bin/sh
# run.sh SECONDS [TARGET...] — run libFuzzer targets from build/fuzz/ for
# SECONDS each, with a corpus under tests/fuzz/corpus-<target>/ (git-ignored)
# seeded from tests/fuzz/seeds/<target>/ and, when present, the shared
# conformance files. Crashes are written as tests/fuzz/crash-*; add each one as
# a regression test before fixing it.
set -eu
cd "$(dirname "$0")/../.."
secs=${1:-60}; shift || true
targets="$*"
[ -n "$targets" ] || targets=$(ls build/fuzz/ 2>/dev/null | grep '^fuzz_' || true)
SHARED=${SFTKIT_SHARED:-../shared}
for t in $targets; do
	bin=build/fuzz/$t
	[ -x "$bin" ] || { echo "fuzz: $bin not built (make fuzz-build)" >&2; exit 1; }
	corpus=tests/fuzz/corpus-$t
	mkdir -p "$corpus"
	seeds=""
	[ -d tests/fuzz/seeds/$t ] && seeds="tests/fuzz/seeds/$t"
	case $t in
	fuzz_json*) [ -d "$SHARED/conformance/json/test_parsing" ] && seeds="$seeds $SHARED/conformance/json/test_parsing" ;;
	fuzz_parquet*) [ -d "$SHARED/conformance/parquet" ] && seeds="$seeds $SHARED/conformance/parquet/parquet-testing/data $SHARED/conformance/parquet/parquet-testing/bad_data" ;;
	esac
	echo "fuzz: $t for ${secs}s"
	"$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -artifact_prefix=tests/fuzz/ \
		-print_final_stats=1 "$corpus" $seeds 2>&1 | tail -n 12
done
