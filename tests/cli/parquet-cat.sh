# parquet-cat: conformance against DuckDB's and hyparquet's rows (../shared),
# the repo's own mission-shaped fixtures, projection, filters, limits, errors.
. "$SFTKIT_ROOT/tests/cli/lib.sh"
P="$FIX/parquet"

if [ -d "$SHARED/conformance/parquet" ]; then
	python3 "$SFTKIT_ROOT/tests/parquet/compare.py" "$SFTKIT_BIN" "$SHARED"
else
	t_skip "parquet conformance" "$SHARED/conformance/parquet absent"
fi

# repo fixtures: each .parquet was written (by make-fixtures.mjs) from the .jsonl beside it
for f in "$P"/*.parquet; do
	[ -e "$f" ] || continue
	src="${f%%.*}.jsonl"
	b=$(basename "$f")
	parquet-cat -q "$f" >"$T/out.jsonl" 2>"$T/err"
	t_eq "$b decodes" 0 $?
	t_ok "$b values equal its source rows" python3 "$SFTKIT_ROOT/tests/parquet/same_rows.py" "$src" "$T/out.jsonl"
done

D="$P/dolci.pw-snappy-v1.parquet"
t_ok "the Dolci fixture is there" test -e "$D"
if [ -e "$D" ]; then
	t_eq "every fixture variant of a source gives the same rows" 1 "$(for f in "$P"/dolci.*.parquet; do parquet-cat -q "$f" | md5sum; done | sort -u | wc -l | tr -d ' ')"
	t_eq "--where on the mission's filter: the Coding rows of the source" "$(jq -c 'select(.domain=="Coding")|.id' "$P/dolci.jsonl" | md5sum)" "$(parquet-cat -q --where domain=Coding --columns id "$D" | jq -c .id | md5sum)"
	parquet-cat -q --columns id,domain "$D" | head -n 1 >"$T/p"
	t_grep "projection keeps only the columns asked" '^{"id":"[^"]*","domain":"[^"]*"}$' "$T/p"
	n_all=$(parquet-cat -q "$D" | wc -l)
	n_code=$(parquet-cat -q --where domain=Coding "$D" | wc -l)
	n_other=$(parquet-cat -q --where 'domain!=Coding' "$D" | wc -l)
	t_eq "where and where-not partition the rows" "$n_all" $((n_code + n_other))
	t_eq "where keeps only matching rows" "$n_code" "$(parquet-cat -q --where domain=Coding "$D" | grep -c '"domain":"Coding"')"
	t_eq "limit" 3 "$(parquet-cat -q --limit 3 "$D" | wc -l)"
	for n in -1 0 ' 3' 3x 18446744073709551616; do
		t_status "--limit '$n': usage error" 2 parquet-cat -q -n "$n" "$D"
	done
	t_grep "naming the value" "^parquet-cat: --limit: expected an integer from 1 to 18446744073709551615, found '18446744073709551616'" "$T/.err"
	t_eq "--limit +3: one leading '+', as every number option takes it" 3 "$(parquet-cat -q --limit +3 "$D" | wc -l)"
	t_status "unknown column is an error" 1 parquet-cat --columns nope "$D"
	t_grep "unknown column named" "no column 'nope'" "$T/.err"
	# truncation anywhere fails cleanly
	size=$(stat -c %s "$D")
	for cut in 0 4 100 $((size / 2)) $((size - 9)) $((size - 1)); do
		head -c "$cut" "$D" >"$T/trunc.parquet"
		t_status "truncated at $cut bytes: exit 1" 1 parquet-cat "$T/trunc.parquet"
	done
	t_grep "truncated file message" "^parquet-cat: " "$T/.err"
fi
t_status "not parquet: exit 1" 1 parquet-cat "$FIX/jsonl-check/mixed.jsonl"
t_grep "bad magic named" "not a Parquet file" "$T/.err"
t_status "no file: usage error" 2 parquet-cat

# '-': standard input, from a pipe (copied to $TMPDIR) or redirected from a file
F="$P/dolci.pw-snappy-v1.parquet"
if [ -e "$F" ]; then
	want=$(parquet-cat -q "$F" | md5sum)
	mkdir -p "$T/tmp"
	t_eq "'-' reads a pipe" "$want" "$(cat "$F" | TMPDIR="$T/tmp" parquet-cat -q - | md5sum)"
	t_eq "and leaves no temporary file" "" "$(ls -A "$T/tmp")"
	t_eq "'-' reads a redirected file in place" "$want" "$(parquet-cat -q - <"$F" | md5sum)"
	t_eq "'-' among files, in order" "$(parquet-cat -q "$F" "$F" | md5sum)" "$(cat "$F" | parquet-cat -q "$F" - | md5sum)"
	t_grep "--schema - names <stdin>" '^{"file":"<stdin>","rows":' "$(cat "$F" | parquet-cat --schema - >"$T/s"; echo "$T/s")"
	t_status "--schema exits 0" 0 parquet-cat --schema "$F"
	cat "$F" | TMPDIR="$T/nonexistent" parquet-cat - >/dev/null 2>"$T/e"; t_eq "no room for the copy: exit 1" 1 $?
	t_grep "and says where it tried" "^parquet-cat: <stdin>: a temporary file in $T/nonexistent for the copy Parquet needs: " "$T/e"
fi
echo 'not parquet' | parquet-cat - >/dev/null 2>"$T/e"; t_eq "'-' with bad data: exit 1" 1 $?
t_grep "named <stdin>" "^parquet-cat: <stdin>: " "$T/e"
t_status "'-' twice: usage error" 2 parquet-cat - - </dev/null
