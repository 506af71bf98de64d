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
# so a definition that opens its body on the signature line ("int f(void) {")
# would escape that count: there is none
brace_on_signature() { # FILE...
	grep -nE '^[A-Za-z_][^;=#]*\)[[:space:]]*\{[[:space:]]*(/[*/].*)?$' "$@" /dev/null
}
srcs=$(find src -name '*.c' -o -name '*.h' | sort)
# shellcheck disable=SC2086
t_eq "no function in src/ over 150 lines (.c and .h)" "" "$(long_functions $srcs)"
{ echo 'int f(void)'; echo '{'; i=0; while [ $i -lt 151 ]; do echo '	;'; i=$((i + 1)); done; echo '}'; } >"$T/long.c"
t_eq "the check finds a function of 151 lines" "$T/long.c: int f(void) (152 lines)" "$(long_functions "$T/long.c")"
# shellcheck disable=SC2086
t_eq "every function body in src/ opens with '{' in column 0" "" "$(brace_on_signature $srcs)"
printf 'static int f(int x) {\n\treturn x;\n}\nstruct s {\n\tint a;\n};\nstatic const int t[] = {\n\t1,\n};\n' >"$T/kr.c"
t_eq "the check finds one that does not" "$T/kr.c:1:static int f(int x) {" "$(brace_on_signature "$T/kr.c")"
# the library reports through return values; util.c's out-of-memory message
# and abort are for programs that installed no handler (cli_init installs one)
lib_prints() { # FILE...
	grep -nE '\b(printf|fprintf|vprintf|vfprintf|dprintf|vdprintf|puts|fputs|perror|putchar|fputc|putc|exit|_exit|_Exit|abort|err|errx|verr|warn|warnx|vwarn|syslog)[[:space:]]*\(|\b(stderr|stdout)\b' "$@" /dev/null |
		grep -vE '^[^:]+:[0-9]+:[[:space:]]*(/?\*|//)' |
		grep -vE '^src/lib/util\.c:[0-9]+:[[:space:]]*(fprintf\(stderr, "sftkit: out of memory|abort\(\);)'
}
# shellcheck disable=SC2046
t_eq "in src/lib, only cli prints or exits" "" "$(lib_prints $(find src/lib \( -name '*.c' -o -name '*.h' \) ! -name 'cli.[ch]' | sort))"
printf 'void f(void)\n{\n\tvfprintf(stderr, "x", ap);\n\tabort();\n\tsnprintf(b, 1, "x");\n\t/* printf(a comment) */\n}\n' >"$T/p.c"
t_eq "the check finds vfprintf, stderr and abort, not snprintf or comments" "$T/p.c:3:	vfprintf(stderr, \"x\", ap);
$T/p.c:4:	abort();" "$(lib_prints "$T/p.c")"
# the README's module map names every source file of src/lib (a module, or a
# part of one), so a new module cannot be left out of it
map_missing() { # README FILE...
	r=$1; shift
	sed -n '/^The module map/,$p' "$r" >"$T/map"
	for f in "$@"; do grep -qw "$(basename "$f" .c)" "$T/map" || echo "$f"; done
}
# shellcheck disable=SC2046
t_eq "the README's module map names every file of src/lib" "" "$(map_missing README.md $(find src/lib -name '*.c' | sort))"
t_eq "the check finds one it does not name" "src/lib/sftkit_no_such_module.c" "$(map_missing README.md src/lib/sftkit_no_such_module.c src/lib/json.c)"
# every symbol a library object exports carries a prefix of its row in the
# README's module map (or is a name the row lists whole): "dedup", "tok/"
# match src/lib/dedup.c and src/lib/tok/*.c; "[a_, b_; c]" allows a_*, b_*, c
map_names() { # README -> "module names..." TAB "allowed..." per row
	sed -n '/^The module map/,$p' "$1" | grep '^| `' | awk -F'|' '{
		cell = $2; mods = ""; allow = ""
		s = cell; while (match(s, /`[^`]*`/)) { mods = mods " " substr(s, RSTART + 1, RLENGTH - 2); s = substr(s, RSTART + RLENGTH) }
		if (match(cell, /\[[^]]*\]/)) {
			n = split(substr(cell, RSTART + 1, RLENGTH - 2), it, /[,;]/)
			for (i = 1; i <= n; i++) { split(it[i], w, " "); if (w[1] != "") allow = allow " " w[1] }
		}
		print mods "\t" allow }'
}
prefix_strays() { # README OBJDIR
	map_names "$1" >"$T/rows"
	(cd "$2" && find . -name '*.o' | sed 's|^\./||' | sort) | while read -r o; do
		rel=${o%.o}; dir=${rel%/*}; [ "$dir" = "$rel" ] && dir=
		allow=$(awk -F'\t' -v f="$rel" -v d="$dir/" '{ n = split($1, m, " "); for (i = 1; i <= n; i++) if (m[i] == f || m[i] == d) print $2 }' "$T/rows")
		# (ASan's __odr_asan.* markers are the compiler's, not the module's)
		nm -g --defined-only "$2/$o" | awk '$3 !~ /^__odr_asan\./ { print $3 }' | while read -r sym; do
			ok=
			for a in $allow; do
				case $a in
				*_) case $sym in "$a"*) ok=1 ;; esac ;;
				*) [ "$sym" = "$a" ] && ok=1 ;;
				esac
			done
			[ -n "$ok" ] || echo "$rel: $sym"
		done
	done
}
objdir="$(dirname "${SFTKIT_REPLAY_DIR:-$SFTKIT_ROOT/build/release/tests}")/obj"
if [ -d "$objdir" ]; then
	t_eq "every symbol src/lib exports carries its module's prefix" "" "$(prefix_strays README.md "$objdir")"
	mkdir -p "$T/obj/tok"
	printf 'int json_ok(void);\nint json_ok(void)\n{\n\treturn 0;\n}\nint stray(void);\nint stray(void)\n{\n\treturn 1;\n}\n' >"$T/j.c"
	printf 'int tok_ok(void);\nint tok_ok(void)\n{\n\treturn 0;\n}\nint jj_not_here(void);\nint jj_not_here(void)\n{\n\treturn 1;\n}\n' >"$T/t.c"
	${CC:-cc} -c "$T/j.c" -o "$T/obj/json.o" && ${CC:-cc} -c "$T/t.c" -o "$T/obj/tok/bpe.o"
	t_eq "the check finds a stray name and another module's prefix" "json: stray
tok/bpe: jj_not_here" "$(prefix_strays README.md "$T/obj")"
else
	t_skip "every symbol src/lib exports carries its module's prefix" "no objects in $objdir"
fi
