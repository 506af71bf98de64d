# ci-shared.sh — with CI=true a missing ../shared fails the run instead of
# skipping what needs it (tests/run.sh, issue 18), and only then.
. "$SFTKIT_ROOT/tests/cli/lib.sh"
run() { # CI SHARED UNITS: tests/run.sh running no script (TESTS matches none but UNITS)
	CI=$1 SFTKIT_SHARED=$2 SFTKIT_UNITS=$3 TESTS=${4:-sftkit-no-such-test} sh "$SFTKIT_ROOT/tests/run.sh"
}
t_status "CI=true without the shared data: the run fails" 1 run true "$T/none" ""
t_grep "saying where it looked" "^not ok - CI: the shared test data is not at $T/none" "$T/.out"
t_status "without CI it is not a failure" 0 run "" "$T/none" ""
mkdir -p "$T/partial/benchmarks"
u=""
for x in ${SFTKIT_UNITS:-}; do case $x in */test_decontam) u=$x ;; esac; done
if [ -n "$u" ]; then
	t_status "CI=true: a unit test skipped for want of shared data fails" 1 run true "$T/partial" "$u" test_decontam
	t_grep "naming it" "not ok - test_gsm8k_train (CI: skipped for want of shared data: $T/partial/benchmarks/gsm8k absent)" "$T/.out"
	t_status "without CI it is a skip" 0 run "" "$T/partial" "$u" test_decontam
else
	t_skip "CI=true: a unit test skipped for want of shared data fails" "test_decontam not among SFTKIT_UNITS (run through make check)"
fi
