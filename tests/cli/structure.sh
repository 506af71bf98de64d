# structure.sh — the house rules that a reader relies on, held by a check
# (STYLE.md, issue 18): tools are thin mains, functions are short, and in the
# library only the tool layer (cli.c) prints or exits.
. "$SFTKIT_ROOT/tests/cli/lib.sh"
cd "$SFTKIT_ROOT" || exit 1
for f in src/tools/*.c; do
	n=$(wc -l <"$f" | tr -d ' ')
	t_ok "$f: at most 250 lines ($n)" test "$n" -le 250
done
# a function is what runs from a '{' in column 0 to the next '}' in column 0
long_functions() { # FILE...
	for f in "$@"; do
		awk -v F="$f" '/^\{/ { s = NR; name = prev } /^\}/ { if (s && NR - s > 150) printf "%s: %s (%d lines)\n", F, name, NR - s; s = 0 } { prev = $0 }' "$f"
	done
}
# shellcheck disable=SC2046
t_eq "no function in src/ over 150 lines" "" "$(long_functions $(find src -name '*.c' | sort))"
{ echo 'int f(void)'; echo '{'; i=0; while [ $i -lt 151 ]; do echo '	;'; i=$((i + 1)); done; echo '}'; } >"$T/long.c"
t_eq "the check finds a function of 151 lines" "$T/long.c: int f(void) (152 lines)" "$(long_functions "$T/long.c")"
# the library reports through return values; util.c's out-of-memory message
# is for programs that installed no handler (cli_init installs one)
prints=$(grep -nE '\b(printf|fprintf|puts|fputs|perror|putchar|fputc|exit|_exit)[[:space:]]*\(' $(find src/lib -name '*.c' ! -path src/lib/cli.c | sort) |
	grep -v 'snprintf\|vsnprintf' | grep -v '^src/lib/util.c:.*out of memory')
t_eq "in src/lib, only cli.c prints or exits" "" "$prints"
