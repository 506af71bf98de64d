#!/bin/sh
# benchmarks.sh DIR — fetch every benchmark of pipelines/benchmarks.list into
# DIR/NAME.jsonl with hf-fetch, pinned in $LOCK, and write DIR/args: the
# decontam options that name them (-a NAME=FILE, each followed by a --field
# for each of its FIELDS when they are not "-").
# An unchanged args file keeps its timestamp, so make redoes no stage.
set -eu
dir=$1
list="$(dirname "$0")/benchmarks.list"
mkdir -p "$dir"
: >"$dir/args.new"
lines() { grep -v '^[[:space:]]*#' "$list" | grep -v '^[[:space:]]*$'; }
# the whole list is checked before anything is fetched
lines | while read -r name repo config split fields; do
	[ -n "$fields" ] || { echo "benchmarks.sh: $name: no FIELDS column (\"-\" for the layout's fields)" >&2; exit 2; }
	# the args file is split on white space by the stages: plain names only
	case "$fields" in
	-) ;;
	*[!A-Za-z0-9_.,-]* | ,* | *, | *,,*)
		echo "benchmarks.sh: $name: FIELDS '$fields': expected field names (letters, digits, _ . -) separated by commas" >&2; exit 2 ;;
	esac
done
lines | while read -r name repo config split fields; do
	set -- "$repo"
	[ "$config" = - ] || set -- "$@" --config "$config"
	[ "$split" = - ] || set -- "$@" --split "$split"
	hf-fetch -q "$@" --lock "$LOCK" >"$dir/$name.jsonl.tmp" || { echo "benchmarks.sh: $name: hf-fetch $* failed" >&2; exit 1; }
	mv "$dir/$name.jsonl.tmp" "$dir/$name.jsonl"
	printf ' -a %s=%s' "$name" "$dir/$name.jsonl" >>"$dir/args.new"
	[ "$fields" = - ] || printf ' --field %s' $(echo "$fields" | tr ',' ' ') >>"$dir/args.new"
done
cmp -s "$dir/args.new" "$dir/args" 2>/dev/null || mv "$dir/args.new" "$dir/args"
rm -f "$dir/args.new"
