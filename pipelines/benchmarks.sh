#!/bin/sh
# benchmarks.sh DIR — fetch every benchmark of pipelines/benchmarks.list into
# DIR/NAME.jsonl with hf-fetch, pinned in $LOCK, and write DIR/args: the
# decontam options that name them (-a NAME=FILE ..., --field ...).
# An unchanged args file keeps its timestamp, so make redoes no stage.
set -eu
dir=$1
list="$(dirname "$0")/benchmarks.list"
mkdir -p "$dir"
: >"$dir/args.new"
grep -v '^[[:space:]]*#' "$list" | grep -v '^[[:space:]]*$' | while read -r name repo config split fields; do
	set -- "$repo"
	[ "$config" = - ] || set -- "$@" --config "$config"
	[ "$split" = - ] || set -- "$@" --split "$split"
	hf-fetch -q "$@" --lock "$LOCK" >"$dir/$name.jsonl.tmp" || { echo "benchmarks.sh: $name: hf-fetch $* failed" >&2; exit 1; }
	mv "$dir/$name.jsonl.tmp" "$dir/$name.jsonl"
	printf ' -a %s=%s' "$name" "$dir/$name.jsonl" >>"$dir/args.new"
	if [ "$fields" != - ]; then
		echo "benchmarks.sh: $name: FIELDS apply to every benchmark in decontam; give them per run instead" >&2; exit 2
	fi
done
cmp -s "$dir/args.new" "$dir/args" 2>/dev/null || mv "$dir/args.new" "$dir/args"
rm -f "$dir/args.new"
