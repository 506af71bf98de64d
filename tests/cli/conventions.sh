# conventions: every tool in bin/ keeps DESIGN.md §3 — --help and --version
# exit 0 on stdout, an unknown option is a usage error (2) that names the tool,
# and a write error on standard output is reported with exit 1.
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
done
