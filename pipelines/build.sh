#!/bin/sh
# build.sh PROFILE — the whole build: four source pipelines, then
# dedup -> blend -> sft-check -> sft-report, into build/PROFILE/.
#   sample   offline: the bundled Hub mirror served on 127.0.0.1 by the
#            test suite's mock Hub, the sample recipe, Qwen2.5's tokenizer
#   dataset  the real Hub (HF_ENDPOINT), the default recipe, MODEL's tokenizer
# Variables: MODEL (default Qwen/Qwen2.5-7B-Instruct), MAXTOK (8192), JOBS (2),
# TRAINER (whose length tok-len counts and --max applies: nemo-rl, the default,
# or none; see tok-len(1)), RECIPE, SEED, VAL (validation fraction, default
# 0.01), OPENMATH_PER_PROBLEM (solutions kept per OpenMath problem, default 1,
# 0 keeps all), OPENMATH_FILTERS (to-messages options for OpenMath, default
# none; NVIDIA's release filters are
# "--min-solution-chars 200 --boxed-answer expected_answer").
set -eu
profile=${1:-sample}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
export PATH="${SFTKIT_BIN:-$ROOT/bin}:$PATH"
B="$ROOT/build/$profile"
OUT="$B/stages"; SUM="$B/summaries"; LOCK="$B/lock.jsonl"
MODEL=${MODEL:-Qwen/Qwen2.5-7B-Instruct}
MAXTOK=${MAXTOK:-8192}; JOBS=${JOBS:-2}; VAL=${VAL:-0.01}; TRAINER=${TRAINER:-nemo-rl}
mkdir -p "$OUT" "$SUM"
case $profile in
sample)
	RECIPE=${RECIPE:-$ROOT/pipelines/recipes/sample.recipe}
	# the mirror as the mock Hub serves it: the tokenizer is stored gzip'd in git
	M="$B/hub"
	rm -rf "$M"; mkdir -p "$M"
	cp -R "$ROOT/pipelines/sample/hub/." "$M/"
	for gz in $(find "$M" -name '*.gz' -path '*/models/*'); do gzip -d "$gz"; done
	export SFTKIT_ROOT="$ROOT"
	. "$ROOT/pipelines/mockhub/start.sh"
	trap 'st=$?; kill "$MOCKHUB_PID" 2>/dev/null; exit $st' EXIT; trap 'exit 1' INT TERM
	mockhub_start "$M"
	export HF_HUB_CACHE="$B/cache"
	unset HF_HUB_OFFLINE || true
	# the mirror's commits derive from its files: pin them afresh, and touch the
	# lock (which the stages depend on) only when a commit changed
	rm -f "$LOCK.new"
	for r in allenai/Dolci-Instruct-SFT nvidia/OpenMathInstruct-2 ise-uiuc/Magicoder-Evol-Instruct-110K open-r1/codeforces-cots \
		$(grep -v '^[[:space:]]*#' "$ROOT/pipelines/benchmarks.list" | awk 'NF { print $2 }' | sort -u); do
		hf-fetch -q --list --lock "$LOCK.new" "$r" >/dev/null
	done
	hf-fetch --model --lock "$LOCK.new" "$MODEL" tokenizer.json >/dev/null
	cmp -s "$LOCK.new" "$LOCK" 2>/dev/null || mv "$LOCK.new" "$LOCK"
	rm -f "$LOCK.new"
	;;
dataset)
	RECIPE=${RECIPE:-$ROOT/pipelines/recipes/default.recipe}
	;;
*) echo "build.sh: unknown profile '$profile' (sample or dataset)" >&2; exit 2 ;;
esac
[ -e "$LOCK" ] || : >"$LOCK"
OPENMATH_PER_PROBLEM=${OPENMATH_PER_PROBLEM:-1}; OPENMATH_FILTERS=${OPENMATH_FILTERS:-}
# the openmath stage is redone when its settings change
om="per-problem=$OPENMATH_PER_PROBLEM filters=$OPENMATH_FILTERS"
[ "$(cat "$B/openmath.settings" 2>/dev/null)" = "$om" ] || { rm -f "$OUT/openmath.jsonl"; echo "$om" >"$B/openmath.settings"; }
export OUT SUM LOCK MAXTOK JOBS TRAINER OPENMATH_PER_PROBLEM OPENMATH_FILTERS

echo "== tokenizer of $MODEL" >&2
tokjson=$(hf-fetch --model "$MODEL" --lock "$LOCK" tokenizer.json)
hf-fetch --model "$MODEL" --lock "$LOCK" tokenizer_config.json >/dev/null
TOK=$(dirname "$tokjson"); export TOK

echo "== benchmarks" >&2
BENCH="$B/benchmarks"; export BENCH
sh "$ROOT/pipelines/benchmarks.sh" "$BENCH"

BIN=$(cd "${SFTKIT_BIN:-$ROOT/bin}" && pwd)
export TOK B RECIPE VAL BIN
cd "$ROOT"
make -s -f pipelines/build.mk B="$B" RECIPE="$RECIPE" TOK="$TOK" TRAINER="$TRAINER" VAL="$VAL" SEED="${SEED:-}" BIN="$BIN"
echo "done: $B/train.jsonl ($(wc -l <"$B/train.jsonl") records), $B/validation.jsonl ($(wc -l <"$B/validation.jsonl")), $B/manifest.json, $B/report.html" >&2
