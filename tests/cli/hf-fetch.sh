# hf-fetch against the mock Hub (pipelines/mockhub/server.py) serving the sample
# mirror and a few layouts built here: configs, default patterns, formats,
# the cache layout, pinning, offline mode, auth errors, faults and resume.
. "$SFTKIT_ROOT/tests/cli/lib.sh"
. "$SFTKIT_ROOT/pipelines/mockhub/start.sh"
trap 'mockhub_stop; rm -rf "$T"' EXIT
export HF_HUB_CACHE="$T/cache" HF_HOME="$T/hfhome" SFTKIT_HUB_BACKOFF_MS=50
unset HF_TOKEN HF_HUB_OFFLINE 2>/dev/null
M="$T/mirror"
mkdir -p "$M/datasets" "$M/models"
cp -r "$SFTKIT_ROOT/pipelines/sample/hub/datasets/." "$M/datasets/"

# default patterns: split keywords in file names, several formats
D="$M/datasets/t/formats"
mkdir -p "$D/data"
printf '{"a":1,"s":"x"}\n{"a":2,"s":"y"}\n' | gzip >"$D/data/train.jsonl.gz"
printf '[{"a":10,"s":"v"},\n {"a":11,"s":"w"}]\n' >"$D/data/validation.json"
printf '{"a":20,"s":"t"}\n' | zstd -q >"$D/data/test.jsonl.zst"
echo "not data" >"$D/notes.txt"
# data/{split}-NNNNN-of-NNNNN: any split name
D2="$M/datasets/t/shards"
mkdir -p "$D2/data"
printf '{"k":1}\n{"k":2}\n' >"$D2/data/train_small-00000-of-00002.jsonl"
printf '{"k":3}\n' >"$D2/data/train_small-00001-of-00002.jsonl"
printf '{"k":9}\n' >"$D2/data/extra-00000-of-00001.jsonl"
# YAML configs: string data_files, list, data_dir
D3="$M/datasets/t/configs"
mkdir -p "$D3/en" "$D3/fr"
printf '{"l":"en"}\n' >"$D3/en/part-0.jsonl"
printf '{"l":"fr"}\n' >"$D3/fr/part-0.jsonl"
cat >"$D3/README.md" <<'Y'
---
pretty_name: >-
  free-form text the configs reader never needs
configs:
  - config_name: en
    data_files: "en/*.jsonl"
  - config_name: fr
    data_dir: fr
    data_files:
      - "*.jsonl"
dataset_info:
  - config_name: en
---
Y
# a big LFS file for resume tests (over 64 KiB: served through the CDN redirect)
D4="$M/datasets/t/big"
mkdir -p "$D4"
python3 -c 'import json
for i in range(6000): print(json.dumps({"i": i, "pad": "x" * 40}))' >"$D4/train.jsonl"
# gated and private repos
mkdir -p "$M/datasets/t/gated" "$M/datasets/t/private"
echo '{"g":1}' >"$M/datasets/t/gated/train.jsonl"; touch "$M/datasets/t/gated/.gated"
echo '{"p":1}' >"$M/datasets/t/private/train.jsonl"; echo "hf_secret" >"$M/datasets/t/private/.token"
mkdir -p "$M/models/o/m"; echo '{"model_type":"x"}' >"$M/models/o/m/config.json"

LOG="$T/requests.log"
mockhub_start "$M" --log "$LOG" --page-size 2 || { echo "not ok - mock hub starts"; exit 0; }

# --- configs and splits ---
hf-fetch -q t/formats >"$T/o" 2>"$T/e"
t_eq "default split is train (jsonl.gz)" '{"a":1,"s":"x"}
{"a":2,"s":"y"}' "$(cat "$T/o")"
t_eq "validation from a .json array" '{"a":10,"s":"v"} {"a":11,"s":"w"}' "$(hf-fetch -q t/formats --split validation | tr '\n' ' ' | sed 's/ $//')"
t_eq "test from .jsonl.zst" '{"a":20,"s":"t"}' "$(hf-fetch -q t/formats --split test)"
t_status "unknown split exits 1" 1 hf-fetch -q t/formats --split nope
t_grep "unknown split names the choices" "splits: test, train, validation" "$T/.err"
t_eq "data/{split}-NNNNN-of-NNNNN shards, in order" '1 2 3' "$(hf-fetch -q t/shards --split train_small | sed 's/.*://; s/}//' | tr '\n' ' ' | sed 's/ $//')"
t_eq "--list shows both shard splits" 'extra train_small' "$(hf-fetch t/shards --list | sed 's/.*"split":"\([^"]*\)".*/\1/' | sort | tr '\n' ' ' | sed 's/ $//')"
t_status "several configs and no default: exit 1" 1 hf-fetch -q t/configs
t_grep "the error lists the configs" "choose one with --config (en, fr)" "$T/.err"
t_eq "config with a string data_files" '{"l":"en"}' "$(hf-fetch -q t/configs --config en)"
t_eq "config with data_dir and a list" '{"l":"fr"}' "$(hf-fetch -q t/configs --config fr)"
t_eq "YAML configs: codeforces default config" 180 "$(hf-fetch -q open-r1/codeforces-cots | wc -l | tr -d ' ')"
t_eq "YAML configs: OpenMath train_1M split" 320 "$(hf-fetch -q nvidia/OpenMathInstruct-2 --split train_1M | wc -l | tr -d ' ')"
t_eq "no configs: Magicoder's single JSONL is train" 300 "$(hf-fetch -q ise-uiuc/Magicoder-Evol-Instruct-110K | wc -l | tr -d ' ')"
t_eq "--files GLOB" 2 "$(hf-fetch -q t/formats --files 'data/*.json' | wc -l | tr -d ' ')"
t_eq "--files with a double star" 5 "$(hf-fetch -q t/formats --files '**/*.json*' | wc -l | tr -d ' ')"

# --- projection, filter, limit (Parquet and JSON alike) ---
t_eq "--where on Parquet" "$(parquet-cat -q "$M"/datasets/allenai/Dolci-Instruct-SFT/data/*.parquet --where domain=Coding --columns id)" \
	"$(hf-fetch -q allenai/Dolci-Instruct-SFT --where domain=Coding --columns id)"
t_eq "--where and --columns on JSON" '{"a":2}' "$(hf-fetch -q t/formats --where s=y --columns a)"
t_eq "--where COL!=V on JSON" '{"s":"x"}' "$(hf-fetch -q t/formats --where 'a!=2' --columns s)"
t_eq "--limit across files" 5 "$(hf-fetch -q allenai/Dolci-Instruct-SFT --limit 5 | wc -l | tr -d ' ')"

# --- cache layout shared with huggingface_hub ---
C="$HF_HUB_CACHE/datasets--t--formats"
commit=$(cat "$C/refs/main")
t_eq "refs/main holds a commit" 40 "$(printf %s "$commit" | wc -c | tr -d ' ')"
t_ok "snapshot files are symlinks into blobs" test -L "$C/snapshots/$commit/data/train.jsonl.gz"
t_eq "the link is relative" "../../../blobs/" "$(readlink "$C/snapshots/$commit/data/train.jsonl.gz" | cut -c1-15)"

# --- a second run at the same revision downloads nothing ---
: >"$LOG"
hf-fetch -q allenai/Dolci-Instruct-SFT >/dev/null
t_eq "second run: only the revision is asked" "GET /api/datasets/allenai/Dolci-Instruct-SFT/revision/main 200" "$(cat "$LOG")"
dcommit=$(cat "$HF_HUB_CACHE/datasets--allenai--Dolci-Instruct-SFT/refs/main")
: >"$LOG"
hf-fetch -q allenai/Dolci-Instruct-SFT --revision "$dcommit" >/dev/null
t_eq "pinned commit, cached: no request at all" 0 "$(wc -l <"$LOG" | tr -d ' ')"

# --- lock file ---
hf-fetch -q t/formats --lock "$T/lock.jsonl" >/dev/null
t_grep "lock records the commit" "\"repo\":\"t/formats\",\"kind\":\"datasets\",\"revision\":\"main\",\"commit\":\"$commit\"" "$T/lock.jsonl"
hf-fetch -q t/formats --lock "$T/lock.jsonl" >/dev/null
t_eq "lock has one line per repo" 1 "$(wc -l <"$T/lock.jsonl" | tr -d ' ')"
echo '{"repo":"t/shards","kind":"datasets","revision":"main","commit":"0000000000000000000000000000000000000000"}' >>"$T/lock.jsonl"
t_status "a pinned commit the Hub does not have fails" 1 hf-fetch -q t/shards --lock "$T/lock.jsonl"

# --- offline ---
t_eq "HF_HUB_OFFLINE serves from the cache" 2 "$(HF_HUB_OFFLINE=1 hf-fetch -q t/formats | wc -l | tr -d ' ')"
HF_HUB_OFFLINE=1 hf-fetch -q t/big >/dev/null 2>"$T/e"
t_eq "HF_HUB_OFFLINE without a cache: exit 1" 1 $?
t_grep "offline message says why" "HF_HUB_OFFLINE" "$T/e"

# --- pagination ---
: >"$LOG"
t_eq "tree listing follows Link pages (5 entries, 2 a page)" 3 "$(hf-fetch t/formats --revision "$commit" --list >/dev/null; rm -rf "$C/.sftkit"; hf-fetch t/formats --revision "$commit" --list >/dev/null; grep -c '/tree/' "$LOG")"

# --- auth ---
hf-fetch -q t/gated >/dev/null 2>"$T/e"; t_eq "gated repo: exit 1" 1 $?
t_grep "gated: says so and what to do" "is gated (HTTP 403): accept its conditions" "$T/e"
hf-fetch -q t/private >/dev/null 2>"$T/e"; t_eq "private without token: exit 1" 1 $?
t_grep "private: not found, no token" "not found (HTTP 401).*no token: set HF_TOKEN" "$T/e"
hf-fetch -q t/no-such-repo >/dev/null 2>"$T/e"; t_eq "unknown repo: exit 1" 1 $?
t_eq "token from HF_TOKEN" '{"p":1}' "$(HF_TOKEN=hf_secret hf-fetch -q t/private)"
mkdir -p "$HF_HOME"; echo hf_secret >"$HF_HOME/token"
t_eq "token from \$HF_HOME/token" '{"p":1}' "$(hf-fetch -q t/private)"
rm -f "$HF_HOME/token"
t_status "a repo id without a slash is a usage error" 2 hf-fetch -q not-a-repo-id
t_grep "that names the form" "^hf-fetch: 'not-a-repo-id': a repo id is ORG/NAME" "$T/.err"
t_status "as is one with two slashes" 2 hf-fetch -q a/b/c
t_status "no repo: usage error" 2 hf-fetch
t_status "--limit -1: usage error" 2 hf-fetch -q t/formats -n -1
t_status "SFTKIT_HUB_RETRIES=abc: usage error" 2 env SFTKIT_HUB_RETRIES=abc hf-fetch -q t/formats
t_grep "naming the variable" "^hf-fetch: SFTKIT_HUB_RETRIES: a number of retries from 0 to 100, not 'abc'" "$T/.err"
t_status "SFTKIT_HUB_BACKOFF_MS=-5: usage error" 2 env SFTKIT_HUB_BACKOFF_MS=-5 hf-fetch -q t/formats
t_grep "naming the variable" "^hf-fetch: SFTKIT_HUB_BACKOFF_MS: " "$T/.err"
t_eq "SFTKIT_HUB_RETRIES=0 is a value" 2 "$(SFTKIT_HUB_RETRIES=0 hf-fetch -q t/formats | wc -l | tr -d ' ')"

# --- models ---
p=$(hf-fetch --model o/m config.json)
t_eq "--model prints the snapshot path" '{"model_type":"x"}' "$(cat "$p")"
t_status "--model: missing file exits 1" 1 hf-fetch --model o/m nope.json

mockhub_stop
# --- faults: 429 with Retry-After, 503, a cut connection resumed with Range ---
rm -rf "$HF_HUB_CACHE"
mockhub_start "$M" --log "$LOG" --faults 429:1,503:2 || exit 0
: >"$LOG"
t_eq "429 then 503s are retried" 6000 "$(hf-fetch -q t/big | wc -l | tr -d ' ')"
t_eq "the log shows the retries" "429 503 503 302 200" "$(grep -E 'resolve|cdn' "$LOG" | awk '{print $3}' | tr '\n' ' ' | sed 's/ $//')"
mockhub_stop
rm -rf "$HF_HUB_CACHE"
mockhub_start "$M" --log "$LOG" --faults drop:100000 || exit 0
: >"$LOG"
hf-fetch -q t/big >"$T/o" 2>"$T/e"
t_eq "a cut connection resumes" 6000 "$(wc -l <"$T/o" | tr -d ' ')"
t_grep "the resume asked for a Range (206)" "cdn.* 206" "$LOG"
t_eq "the blob matches the source" "$(sha256sum <"$D4/train.jsonl")" "$(cat "$HF_HUB_CACHE"/datasets--t--big/snapshots/*/train.jsonl | sha256sum)"
mockhub_stop
# an interrupted download left as .incomplete resumes on the next run
rm -rf "$HF_HUB_CACHE"
mockhub_start "$M" --log "$LOG" || exit 0
hf-fetch -q t/big --list >/dev/null
etag=$(sha256sum <"$D4/train.jsonl" | cut -d' ' -f1)
mkdir -p "$HF_HUB_CACHE/datasets--t--big/blobs"
head -c 50000 "$D4/train.jsonl" >"$HF_HUB_CACHE/datasets--t--big/blobs/$etag.incomplete"
: >"$LOG"
t_eq ".incomplete resumes" 6000 "$(hf-fetch -q t/big | wc -l | tr -d ' ')"
t_grep "it asked only for the rest" "cdn.* 206" "$LOG"
# a corrupted partial download is caught by sha256
rm -rf "$HF_HUB_CACHE/datasets--t--big/blobs" "$HF_HUB_CACHE/datasets--t--big/snapshots"
mkdir -p "$HF_HUB_CACHE/datasets--t--big/blobs"
head -c 50000 "$D4/train.jsonl" | tr 'x' 'y' >"$HF_HUB_CACHE/datasets--t--big/blobs/$etag.incomplete"
hf-fetch -q t/big >/dev/null 2>"$T/e"; t_eq "corrupt resume: exit 1" 1 $?
t_grep "corrupt resume: sha256 mismatch named" "sha256 .* does not match" "$T/e"
t_eq "then a clean retry works" 6000 "$(hf-fetch -q t/big | wc -l | tr -d ' ')"
# parallel downloads of many files
t_eq "--jobs 4 over 2 parquet shards" 420 "$(rm -rf "$HF_HUB_CACHE"; hf-fetch -q -j 4 allenai/Dolci-Instruct-SFT | wc -l | tr -d ' ')"
mockhub_stop
# bad data: a broken JSON line, a truncated zstd stream, a row that is not an object
mkdir -p "$M/datasets/t/bad/data"
printf '{"a":1}\n{"a":\n' >"$M/datasets/t/bad/data/train.jsonl"
printf '{"a":1}\n' | zstd -q | head -c 12 >"$M/datasets/t/bad/data/test.jsonl.zst"
printf '[1, 2]\n' >"$M/datasets/t/bad/data/validation.json"
printf '[{},\n' >"$M/datasets/t/bad/broken.json"
mockhub_start "$M" || exit 0
hf-fetch -q t/bad >"$T/o" 2>"$T/e"; t_eq "broken JSON line: exit 1" 1 $?
t_grep "broken JSON line: file and line named" "data/train.jsonl:2:" "$T/e"
t_eq "rows before the bad line were written" '{"a":1}' "$(cat "$T/o")"
hf-fetch -q t/bad --split test >/dev/null 2>"$T/e"; t_eq "truncated zstd: exit 1" 1 $?
t_grep "truncated zstd: said so" "truncated zstd stream" "$T/e"
hf-fetch -q t/bad --split validation >/dev/null 2>"$T/e"; t_eq "array of non-objects: exit 1" 1 $?
t_grep "non-object row named" "validation.json:1: a row is not a JSON object" "$T/e"
hf-fetch -q t/bad --files 'broken.json' >/dev/null 2>"$T/e"; t_eq "a broken .json array: exit 1" 1 $?
t_grep "the message gives the position once" "broken.json: expected a value, found end of input at byte 6\$" "$T/e"
mockhub_stop

# --- the Hub's Parquet conversion (refs/convert/parquet) when the repo's format is not readable ---
D5="$M/datasets/t/csvonly"
mkdir -p "$D5/data" "$D5/.convert-parquet/default/train"
printf 'a,b\n1,2\n' >"$D5/data/train.csv"
cp "$M/datasets/nvidia/OpenMathInstruct-2/data/train_2M-00000-of-00001.parquet" "$D5/.convert-parquet/default/train/0000.parquet"
mockhub_start "$M" --log "$LOG" || exit 0
hf-fetch t/csvonly >"$T/o" 2>"$T/e"
t_eq "falls back to refs/convert/parquet" 20 "$(wc -l <"$T/o" | tr -d ' ')"
t_grep "and says so" "trying the Hub's Parquet conversion" "$T/e"
t_grep "the revision is asked URL-encoded" "revision/refs%2Fconvert%2Fparquet 200" "$LOG"
t_eq "explicit --revision refs/convert/parquet" 20 "$(hf-fetch -q t/csvonly --revision refs/convert/parquet | wc -l | tr -d ' ')"
hf-fetch -q t/formats --split validation --files 'notes.txt' >/dev/null 2>&1; t_eq "an unreadable file asked by glob: exit 1" 1 $?
rm -rf "$D5/.convert-parquet"
mockhub_stop
mockhub_start "$M" || exit 0
hf-fetch -q t/csvonly >/dev/null 2>"$T/e"; t_eq "no conversion either: exit 1" 1 $?
t_grep "the message names both" "no data files sftkit can read.*Parquet conversion is not available" "$T/e"
mockhub_stop

# --- progress: a bar on a terminal, nothing in a pipe ---
mockhub_start "$M" || exit 0
rm -rf "$HF_HUB_CACHE/datasets--t--big"
if command -v script >/dev/null 2>&1; then
	script -qec "hf-fetch t/big >/dev/null" /dev/null >"$T/tty.txt" 2>&1
	t_grep "a progress bar on a terminal (MB, rate, ETA)" "MB/s  ETA" "$T/tty.txt"
else
	t_skip "progress bar on a terminal" "script(1) is not installed"
fi
rm -rf "$HF_HUB_CACHE/datasets--t--big"
hf-fetch t/big >/dev/null 2>"$T/pipe.txt"
t_eq "no progress bar in a pipe" 0 "$(grep -c 'ETA' "$T/pipe.txt")"
rm -rf "$HF_HUB_CACHE/datasets--t--big"
hf-fetch --progress t/big >/dev/null 2>"$T/pipe.txt"
t_grep "--progress draws it in a pipe too" "MB/s  ETA" "$T/pipe.txt"
rm -rf "$HF_HUB_CACHE/datasets--t--big"
hf-fetch -q --progress t/big >/dev/null 2>"$T/pipe.txt"
t_eq "but not with -q" 0 "$(grep -c 'ETA' "$T/pipe.txt")"
mockhub_stop

# --- | head stops the downloads: 6 shards, --jobs 2, only the first batch is fetched ---
D6="$M/datasets/t/shards6"
mkdir -p "$D6/data"
for i in 0 1 2 3 4 5; do
	python3 -c "import json,sys
for j in range(3000): print(json.dumps({'shard': $i, 'j': j, 'pad': 'y' * 30}))" >"$D6/data/train-0000$i-of-00006.jsonl"
done
mockhub_start "$M" --log "$LOG" || exit 0
: >"$LOG"
hf-fetch -q -j 2 t/shards6 | head -n 5 >"$T/o"
t_eq "| head gets its rows" 5 "$(wc -l <"$T/o" | tr -d ' ')"
t_eq "and only the first batch was downloaded" 2 "$(grep -c 'resolve.* 302' "$LOG")"
rm -rf "$HF_HUB_CACHE/datasets--t--shards6"
: >"$LOG"
t_eq "--limit 3001 gives 3001 rows" 3001 "$(hf-fetch -q -j 1 t/shards6 --limit 3001 | wc -l | tr -d ' ')"
t_eq "and downloads only the 2 shards it reads" 2 "$(grep -c 'resolve.* 302' "$LOG")"
mockhub_stop

# --- reliability (issue 17): faults a careful user meets lose no data ---
# four runs at once on one fresh cache: one downloads under the blob's lock
# (huggingface_hub's .locks/<repo folder>/<etag>.lock), the others wait and
# read the finished blob; none appends to another's .incomplete
rm -rf "$HF_HUB_CACHE"
mockhub_start "$M" --faults slow:40 || exit 0
hf-fetch -q t/big --list >/dev/null
pids=
for i in 1 2 3 4; do hf-fetch -q t/big >"$T/conc$i" 2>"$T/conc$i.err" & pids="$pids $!"; done
wait $pids
cat "$T"/conc*.err >&2
t_eq "4 concurrent runs on one cache: 6000 rows each" "6000 6000 6000 6000" \
	"$(for i in 1 2 3 4; do wc -l <"$T/conc$i" | tr -d ' '; done | tr '\n' ' ' | sed 's/ $//')"
t_eq "and the blob is the source's" "$(sha256sum <"$D4/train.jsonl")" "$(cat "$HF_HUB_CACHE"/datasets--t--big/snapshots/*/train.jsonl | sha256sum)"
t_ok "the lock file is huggingface_hub's" test -f "$HF_HUB_CACHE/.locks/datasets--t--big/$etag.lock"
mockhub_stop
# truncated compressed streams are errors, not ends: a gzip cut at a flush
# point, one without its trailer, a second member cut short; a zstd frame cut
D7="$M/datasets/t/gzcut/data"
mkdir -p "$D7"
python3 - "$D7" <<'PY'
import gzip, sys, zlib
d = sys.argv[1]
rows = b"".join(b'{"r":%d}\n' % i for i in range(50))
c = zlib.compressobj(6, zlib.DEFLATED, 31)
open(d + "/flush.jsonl.gz", "wb").write(c.compress(rows) + c.flush(zlib.Z_FULL_FLUSH))
open(d + "/notrailer.jsonl.gz", "wb").write(gzip.compress(rows)[:-8])
open(d + "/member.jsonl.gz", "wb").write(gzip.compress(rows) + gzip.compress(rows)[:-5])
open(d + "/whole.jsonl.gz", "wb").write(gzip.compress(rows) + gzip.compress(rows))
PY
mockhub_start "$M" || exit 0
for f in flush notrailer member; do
	hf-fetch -q t/gzcut --files "data/$f.jsonl.gz" >/dev/null 2>"$T/e"
	t_eq "gzip $f: exit 1" 1 $?
	t_grep "gzip $f: named as truncated" "data/$f.jsonl.gz: truncated gzip stream" "$T/e"
done
t_eq "two whole gzip members: every row" 100 "$(hf-fetch -q t/gzcut --files data/whole.jsonl.gz | wc -l | tr -d ' ')"
mockhub_stop
# non-LFS files are verified against the listing's git blob sha1, and a
# 206's Content-Range must be the range asked
D8="$M/datasets/t/small"
mkdir -p "$D8"
python3 -c 'import json
for i in range(400): print(json.dumps({"i": i, "pad": "z" * 20}))' >"$D8/train.jsonl"
mkdir -p "$M/datasets/t/tiny"
printf '{"tiny":"twenty-nine bytes"}\n' >"$M/datasets/t/tiny/train.jsonl"
rm -rf "$HF_HUB_CACHE"
mockhub_start "$M" --faults drop:5000,badrange:1 || exit 0
hf-fetch -q t/small >"$T/o" 2>"$T/e"; t_eq "a 206 with the wrong Content-Range: exit 1" 1 $?
t_grep "the range asked and answered are named" "asked for bytes 5000- of 16690, the server answered 206 with Content-Range 'bytes 0-11689/16690'" "$T/e"
t_eq "no row was written" 0 "$(wc -l <"$T/o" | tr -d ' ')"
t_eq "nothing corrupt is cached" "" "$(ls "$HF_HUB_CACHE"/datasets--t--small/blobs 2>/dev/null)"
t_eq "the next run downloads it whole" 400 "$(hf-fetch -q t/small | wc -l | tr -d ' ')"
mockhub_stop
rm -rf "$HF_HUB_CACHE"
mockhub_start "$M" --faults corrupt:1 || exit 0
hf-fetch -q t/small >"$T/o" 2>"$T/e"; t_eq "a non-LFS file that does not match its oid: exit 1" 1 $?
t_grep "the git blob sha1 is named" "git blob sha1 .* does not match the Hub's" "$T/e"
t_eq "and it is not cached for offline runs" 1 "$(HF_HUB_OFFLINE=1 hf-fetch -q t/small >/dev/null 2>&1; echo $?)"
mockhub_stop
# a body longer than the listing's size stops there
rm -rf "$HF_HUB_CACHE"
mockhub_start "$M" --faults endless:1 || exit 0
hf-fetch -q t/tiny >"$T/o" 2>"$T/e"; t_eq "an endless body: exit 1" 1 $?
t_grep "saying the server sent more than listed" "t/tiny: train.jsonl: the server sent more than the listed 29 bytes" "$T/e"
t_eq "no partial file is left" "" "$(ls "$HF_HUB_CACHE"/datasets--t--tiny/blobs 2>/dev/null)"
mockhub_stop
# bounds: a lock file without end, a listing whose pages do not end, a gzip bomb
mkdir -p "$M/datasets/t/bomb/data"
python3 -c '
import sys, zlib
c = zlib.compressobj(1, zlib.DEFLATED, 31)
z = bytes(1 << 20)
with open(sys.argv[1], "wb") as f:
    for _ in range(700): f.write(c.compress(z))
    f.write(c.flush())' "$M/datasets/t/bomb/data/train.jsonl.gz"
rm -rf "$HF_HUB_CACHE"
mockhub_start "$M" --faults pages:1000 || exit 0
t_status "/dev/zero as --lock: exit 1" 1 hf-fetch -q t/formats --lock /dev/zero
t_grep "at the lock bound" "^hf-fetch: /dev/zero: more than 64 MiB: not a lock file" "$T/.err"
t_status "a listing past the page bound: exit 1" 1 env SFTKIT_HUB_MAX_PAGES=50 hf-fetch -q t/formats
t_grep "saying it does not end" "t/formats: the tree listing has more than 50 pages (sftkit's bound): it does not end" "$T/.err"
mockhub_stop
mockhub_start "$M" || exit 0
if [ "${SANITIZE:-}" = 1 ]; then
	t_skip "a gzip bomb under a memory limit" "ulimit -v and ASan do not mix"
else
	hf-fetch -q t/bomb --list >/dev/null
	sh -c 'ulimit -v 600000; exec hf-fetch -q t/bomb' >/dev/null 2>"$T/e"
	t_eq "a gzip bomb under a memory limit: exit 1, not 134" 1 $?
	t_grep "naming the file" "^hf-fetch: data/train.jsonl.gz: out of memory" "$T/e"
fi
mockhub_stop
# a next-page link back to a page already read stops the listing
rm -rf "$HF_HUB_CACHE"
mockhub_start "$M" --page-size 2 --faults looplink || exit 0
t_status "a listing whose next link loops: exit 1" 1 timeout 60 hf-fetch -q t/formats
t_grep "saying it loops" "t/formats: the tree listing's next-page link goes back to a page already read" "$T/.err"
# revisions that would leave refs/ are refused
for rev in ../../x /etc/passwd "$(printf 'a\nb')"; do
	hf-fetch -q t/formats -r "$rev" >/dev/null 2>"$T/e"
	t_eq "revision $(printf %s "$rev" | tr '\n' '?') refused: exit 1" 1 $?
	t_grep "before any request, naming the rule" "a branch, tag or commit has no '..', no leading '/' and no control character" "$T/e"
done
mockhub_stop
# a --lock that cannot be written is not left as an empty file
mockhub_start "$M" || exit 0
sh -c 'trap "" XFSZ; ulimit -f 0; exec hf-fetch -q t/formats --lock "$1"' sh "$T/newlock.jsonl" >/dev/null 2>"$T/e"
t_eq "a --lock that cannot be written: exit 1" 1 $?
t_ok "and no empty lock file is left" test ! -e "$T/newlock.jsonl"
mockhub_stop
# a token with blanks around it is trimmed; one with CR/LF inside is refused, not sent
mockhub_start "$M" || exit 0
t_eq "HF_TOKEN with surrounding blanks is trimmed" '{"p":1}' "$(HF_TOKEN='  hf_secret 	' hf-fetch -q t/private)"
t_status "HF_TOKEN with a CR LF inside: refused" 2 env HF_TOKEN="$(printf 'hf_se\r\nX-Evil: 1')" hf-fetch -q t/private
t_grep "saying why, without printing it" "^hf-fetch: the Hub token (HF_TOKEN) holds a blank or control character" "$T/.err"
t_eq "the token itself is not printed" 0 "$(grep -c 'hf_se' "$T/.err")"
mockhub_stop
# clear messages: a server that keeps sending less than its Content-Length,
# and an API answer over the 64 MiB bound
rm -rf "$HF_HUB_CACHE"
mockhub_start "$M" --faults short:10 || exit 0
t_status "a body always short of its Content-Length: exit 1" 1 env SFTKIT_HUB_RETRIES=2 hf-fetch -q t/small
t_grep "saying how much of what came" "t/small: train.jsonl: the server keeps closing the transfer short of its length: [0-9]* of the listed 16690 bytes after 3 attempts" "$T/.err"
mockhub_stop
rm -rf "$HF_HUB_CACHE"
mockhub_start "$M" --faults hugelist || exit 0
t_status "a listing page over 64 MiB: exit 1" 1 hf-fetch -q t/small
t_grep "naming the bound" "dataset t/small: file listing: the answer is over 64 MiB, sftkit's bound for an API answer" "$T/.err"
mockhub_stop
# a dead Hub with a complete cache: one retry, then the cache, with a warning
rm -rf "$HF_HUB_CACHE"
mockhub_start "$M" || exit 0
hf-fetch -q t/formats >/dev/null
mockhub_stop
start=$(date +%s)
timeout 60 hf-fetch t/formats >"$T/o" 2>"$T/e"
t_eq "a dead Hub, a complete cache: exit 0" 0 $?
t_eq "the rows come from the cache" 2 "$(wc -l <"$T/o" | tr -d ' ')"
t_grep "with a warning naming the commit used" "^hf-fetch: warning: dataset t/formats: revision 'main': .*; using the cached commit [0-9a-f]\{12\} of 'main'" "$T/e"
t_ok "within seconds, not a minute of retries" test $(( $(date +%s) - start )) -lt 15
rm -rf "$HF_HUB_CACHE"
hf-fetch -q t/formats >/dev/null 2>"$T/e"
t_eq "a dead Hub and no cache: exit 1" 1 $?
