# jsonl-check: the CLI conventions every tool shares (cli.c, jsonl.c), end to end.
. "$SFTKIT_ROOT/tests/cli/lib.sh"
M="$FIX/jsonl-check/mixed.jsonl"

t_status "help exits 0" 0 jsonl-check --help
t_grep "help names the tool" "Usage: jsonl-check" "$T/.out"
t_status "version exits 0" 0 jsonl-check --version
t_grep "version line" "^jsonl-check (sftkit) " "$T/.out"
t_status "unknown option is a usage error (2)" 2 jsonl-check --no-such-option
t_grep "usage error hints --help" "Try 'jsonl-check --help'" "$T/.err"
t_status "missing file is exit 1" 1 jsonl-check "$T/absent.jsonl"
t_grep "missing file message" "^jsonl-check: $T/absent.jsonl: No such file" "$T/.err"

# stops at the first bad line with file:line
t_status "bad line stops with 1" 1 jsonl-check "$M"
t_grep "message has file:line" "^jsonl-check: $M:3: record is not a JSON object" "$T/.err"
t_eq "lines before the error were written" 2 "$(wc -l <"$T/.out")"

# --skip-bad: counted, rejected with reason and position, the rest passes byte for byte
jsonl-check --skip-bad --rejects "$T/rej.jsonl" --summary "$T/sum.json" "$M" >"$T/out.jsonl" 2>"$T/err"
t_eq "skip-bad exit 0" 0 $?
t_eq "kept lines byte for byte" "$(sed -n '1p;2p;4p;6p' "$M")" "$(cat "$T/out.jsonl")"
t_grep "summary line adds up" "read 6, kept 4, dropped 2 (bad_json 2)" "$T/err"
t_grep "summary file" '"read":6,"kept":4,"dropped":2,"reasons":{"bad_json":2}' "$T/sum.json"
t_eq "two rejects" 2 "$(wc -l <"$T/rej.jsonl")"
t_grep "reject keeps raw text and line" '"reason":"bad_json".*"line":5,"raw":"{\\"id\\":\\"d\\", \\"broken\\": }"' "$T/rej.jsonl"
t_ok "rejects are valid JSONL" jsonl-check "$T/rej.jsonl"

# several files and stdin
printf '{"a":1}\n' >"$T/one.jsonl"
t_eq "files then stdin (-)" '{"a":1}
{"b":2}
{"a":1}' "$(printf '{"b":2}\n' | jsonl-check -q "$T/one.jsonl" - "$T/one.jsonl")"
t_eq "-q silences the summary" "" "$(jsonl-check -q "$T/one.jsonl" 2>&1 >/dev/null)"
t_eq "last line without newline" '{"z":0}' "$(printf '{"z":0}' | jsonl-check -q)"
t_eq "--field drops records without it" 3 "$(jsonl-check -q -f messages --skip-bad "$M" | wc -l | tr -d ' ')"
jsonl-check -f messages --skip-bad "$M" >/dev/null 2>"$T/err"
t_grep "missing_field counted" "missing_field 1" "$T/err"

# invalid UTF-8 is a data error
printf '{"a":"\377"}\n' >"$T/bad-utf8.jsonl"
t_status "invalid UTF-8 rejected" 1 jsonl-check "$T/bad-utf8.jsonl"
t_grep "UTF-8 message" "bad-utf8.jsonl:1: invalid JSON: invalid UTF-8" "$T/.err"
printf '\n' | jsonl-check >/dev/null 2>"$T/err"; rc=$?
t_eq "blank line is an error" 1 "$rc"

# write errors: /dev/full is reported, exit 1
if [ -w /dev/full ]; then
	t_status "write error exits 1" 1 sh -c "jsonl-check '$FIX/jsonl-check/mixed.jsonl' --skip-bad >/dev/full"
	t_grep "write error reported" "write error on standard output: No space left on device" "$T/.err"
else
	t_skip "write error exits 1" "/dev/full absent"
fi

# EPIPE: | head ends quietly and early, exit 0, no message
python3 -c '
import sys
line = "{\"id\":\"x\",\"messages\":[{\"role\":\"user\",\"content\":\"" + "y"*200 + "\"}]}\n"
sys.stdout.write(line * 200000)' >"$T/many.jsonl"
( jsonl-check "$T/many.jsonl" 2>"$T/pipe.err"; echo $? >"$T/pipe.rc" ) | head -n 2 >"$T/head.out"
t_eq "head got 2 lines" 2 "$(wc -l <"$T/head.out")"
t_eq "EPIPE exits 0" 0 "$(cat "$T/pipe.rc")"
t_eq "EPIPE is quiet" "" "$(cat "$T/pipe.err")"

# no line-length limit: a 200 MB line, generated here, passes through intact
python3 -c '
import sys
sys.stdout.write("{\"id\":\"big\",\"text\":\"" + "ab\\u00e9c"*(200*1024*1024//8) + "\"}\n{\"id\":\"after\"}\n")' >"$T/big.jsonl"
jsonl-check -q -f id "$T/big.jsonl" >"$T/big.out"
t_eq "200 MB line exit 0" 0 $?
t_ok "200 MB line byte for byte" cmp "$T/big.jsonl" "$T/big.out"
rm -f "$T/big.jsonl" "$T/big.out"

# every man page is mandoc -Tlint clean (checked here once for all tools)
if command -v mandoc >/dev/null 2>&1; then
	for m in "$SFTKIT_ROOT"/man/man1/*.1; do
		t_ok "man page lint: $(basename "$m")" mandoc -Tlint -W warning "$m"
	done
	for tool in "$SFTKIT_BIN"/*; do
		[ -x "$tool" ] || continue
		t_ok "man page exists for $(basename "$tool")" test -f "$SFTKIT_ROOT/man/man1/$(basename "$tool").1"
	done
else
	t_skip "man page lint" "mandoc not installed"
fi
