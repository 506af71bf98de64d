# fuzz-regress.sh — every fuzz target's regression inputs (tests/fuzz/regress/
# <target>/, inputs a fuzzer once crashed, hung or leaked on) and its seeds
# run through the target's entry point, built by the Makefile as a plain
# program (build/<variant>/tests/replay_<target>). Under SANITIZE=1 a leak or
# an overflow fails. A target with regressions recorded must have its replay
# binary built.
. "$SFTKIT_ROOT/tests/cli/lib.sh"
R="$SFTKIT_ROOT/${SFTKIT_REPLAY_DIR:-build/release/tests}"
for src in "$SFTKIT_ROOT"/tests/fuzz/fuzz_*.c; do
	t=$(basename "$src" .c)
	if [ ! -x "$R/replay_$t" ]; then
		echo "not ok - $t: $R/replay_$t not built"
		continue
	fi
	dirs=""
	[ -d "$SFTKIT_ROOT/tests/fuzz/regress/$t" ] && dirs="$SFTKIT_ROOT/tests/fuzz/regress/$t"
	[ -d "$SFTKIT_ROOT/tests/fuzz/seeds/$t" ] && dirs="$dirs $SFTKIT_ROOT/tests/fuzz/seeds/$t"
	if [ -z "$dirs" ]; then t_skip "$t replays" "no regressions or seeds recorded"; continue; fi
	# shellcheck disable=SC2086
	if (cd "$SFTKIT_ROOT" && "$R/replay_$t" $dirs) >"$T/out" 2>"$T/err"; then
		sed "s|$SFTKIT_ROOT/||; s/^ok - /ok - $t: /" "$T/out"
	else
		echo "not ok - $t: a replayed input failed (exit $?)"
		tail -n 20 "$T/err" >&2
	fi
done
