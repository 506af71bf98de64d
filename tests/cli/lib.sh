# lib.sh — helpers for CLI tests (sourced). Each check prints one TAP line.
#   t_ok NAME CMD...           passes when CMD exits 0
#   t_status NAME CODE CMD...  passes when CMD exits CODE
#   t_eq NAME EXPECTED ACTUAL  passes when the strings are equal
#   t_grep NAME PATTERN FILE   passes when FILE has a line matching PATTERN
#   t_skip NAME WHY
# $T is a fresh scratch directory, removed at exit. Tools are on PATH.
set -u
T=$(mktemp -d "${TMPDIR:-/tmp}/sftkit-cli.XXXXXX")
trap 'rm -rf "$T"' EXIT
FIX="$SFTKIT_ROOT/tests/fixtures"
SHARED="$SFTKIT_SHARED"

t_ok() { n=$1; shift; if "$@" >"$T/.out" 2>"$T/.err"; then echo "ok - $n"; else
	echo "not ok - $n"; echo "  command: $*" >&2; tail -n 5 "$T/.err" >&2; fi; }
t_status() { n=$1; want=$2; shift 2; "$@" >"$T/.out" 2>"$T/.err"; got=$?
	if [ "$got" = "$want" ]; then echo "ok - $n"; else echo "not ok - $n"
	echo "  command: $* (exit $got, wanted $want)" >&2; tail -n 5 "$T/.err" >&2; fi; }
t_eq() { if [ "$2" = "$3" ]; then echo "ok - $1"; else echo "not ok - $1"
	printf '  expected: %s\n  actual:   %s\n' "$2" "$3" >&2; fi; }
t_grep() { if grep -q -- "$2" "$3"; then echo "ok - $1"; else echo "not ok - $1"
	echo "  no line matching '$2' in $3:" >&2; head -c 600 "$3" >&2; fi; }
t_skip() { echo "ok - $1 # SKIP $2"; }
