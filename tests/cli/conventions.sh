# conventions: every tool in bin/ keeps DESIGN.md §3 — --help and --version
# exit 0 on stdout, an unknown option is a usage error (2) that names the tool,
# and a write error on standard output is reported with exit 1; --help and the
# man page name the same long options.
. "$SFTKIT_ROOT/tests/cli/lib.sh"
for path in "$SFTKIT_BIN"/*; do
	[ -x "$path" ] || continue
	tool=$(basename "$path")
	t_status "$tool --help exits 0" 0 "$tool" --help
	t_grep "$tool --help prints usage" "[Uu]sage" "$T/.out"
	t_status "$tool --version exits 0" 0 "$tool" --version
	t_grep "$tool --version names tool and sftkit" "^$tool (sftkit) [0-9]" "$T/.out"
	t_status "$tool bad option exits 2" 2 "$tool" --definitely-not-an-option
	t_grep "$tool usage error names the tool" "^$tool: " "$T/.err"
	man="$SFTKIT_ROOT/man/man1/$tool.1"
	if [ -f "$man" ]; then
		"$tool" --help | grep -oE -- '--[a-z][a-z0-9-]*' | sort -u >"$T/help.opts"
		grep -oE 'Fl \\-[a-z][a-z0-9\\-]*' "$man" | sed 's/^Fl \\-/--/; s/\\-/-/g' | sort -u >"$T/man.opts"
		t_eq "$tool: every long option in --help is in $tool(1)" "" "$(comm -23 "$T/help.opts" "$T/man.opts" | tr '\n' ' ')"
		t_eq "$tool: every long option in $tool(1) is in --help" "" "$(comm -13 "$T/help.opts" "$T/man.opts" | tr '\n' ' ')"
	else
		t_skip "$tool --help and man page agree" "no man/man1/$tool.1"
	fi
done
