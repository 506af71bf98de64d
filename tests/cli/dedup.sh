# dedup: exact and near duplicates, priority, --against, rejects with dup_of, clusters.
. "$SFTKIT_ROOT/tests/cli/lib.sh"
python3 - "$T" <<'PY'
import json, random, sys
T = sys.argv[1]
rnd = random.Random(7)
words = "alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi omicron pi rho sigma tau upsilon phi chi psi omega".split()
def text(n): return " ".join(rnd.choice(words) for _ in range(n))
def rec(i, src, u, a): return {"id": "%s-%d" % (src, i), "source": src, "messages": [{"role": "user", "content": u}, {"role": "assistant", "content": a}]}
base = [(text(30), text(120)) for _ in range(40)]
A, B = [], []
for i, (u, a) in enumerate(base): A.append(rec(i, "a", u, a))
for i in range(10): B.append(rec(100 + i, "b", base[i][0], base[i][1]))                       # exact copies of a-0..9
for i in range(10, 15):                                                                         # near copies: 2 of 150 words changed (Jaccard of 5-grams ~0.87)
    w = base[i][1].split(); w[5] = "CHANGED"; w[90] = "edited"
    B.append(rec(100 + i, "b", base[i][0], " ".join(w)))
for i in range(15, 20):                                                                         # whitespace and case only
    B.append(rec(100 + i, "b", "  " + base[i][0].upper() + " ", base[i][1].replace(" ", "\n ")))
for i in range(20): B.append(rec(200 + i, "b", text(30), text(120)))                           # unique
with open(T + "/a.jsonl", "w") as f: f.writelines(json.dumps(r) + "\n" for r in A)
with open(T + "/b.jsonl", "w") as f: f.writelines(json.dumps(r) + "\n" for r in B)
PY
dedup --rejects "$T/rej.jsonl" --clusters "$T/cl.jsonl" "$T/a.jsonl" "$T/b.jsonl" >"$T/out.jsonl" 2>"$T/e"
t_eq "both passes: 40 + 20 unique kept" 60 "$(wc -l <"$T/out.jsonl" | tr -d ' ')"
t_eq "exact (normalized) copies dropped as duplicate" 15 "$(jq -r 'select(.reason=="duplicate")|.id' "$T/rej.jsonl" | wc -l | tr -d ' ')"
t_eq "near copies dropped as near_duplicate" 5 "$(jq -r 'select(.reason=="near_duplicate")|.id' "$T/rej.jsonl" | wc -l | tr -d ' ')"
t_eq "dup_of names the survivor from the first file" "a-10" "$(jq -r 'select(.id=="b-110")|.dup_of' "$T/rej.jsonl")"
t_grep "summary per reason" "read 80, kept 60, dropped 20 (duplicate 15, near_duplicate 5)" "$T/e"
t_eq "output keeps input order" "$(cat "$T/a.jsonl" | jq -r .id | head -40 | tr '\n' ' ')" "$(jq -r .id "$T/out.jsonl" | head -40 | tr '\n' ' ')"
t_eq "--clusters writes one line per group" 20 "$(wc -l <"$T/cl.jsonl" | tr -d ' ')"
t_eq "--priority prefers source b" "a-0" "$(dedup -q --priority b,a --rejects "$T/r2" "$T/a.jsonl" "$T/b.jsonl" >/dev/null; jq -r 'select(.dup_of=="b-100")|.id' "$T/r2")"
dedup -q --priority b,codeforces "$T/a.jsonl" "$T/b.jsonl" >/dev/null 2>"$T/e"
t_grep "a --priority source no record has is warned about" "dedup: warning: --priority: no record has the source 'codeforces'" "$T/e"
t_eq "and the one that matched is not" 1 "$(grep -c 'no record has' "$T/e")"
dedup -q --mode exact --priority nope "$T/a.jsonl" >/dev/null 2>"$T/e"
t_grep "in exact mode too" "no record has the source 'nope'" "$T/e"
t_eq "--mode exact leaves near copies" 65 "$(dedup -q --mode exact "$T/a.jsonl" "$T/b.jsonl" | wc -l | tr -d ' ')"
t_eq "--mode near finds both kinds" 60 "$(dedup -q --mode near "$T/a.jsonl" "$T/b.jsonl" | wc -l | tr -d ' ')"
t_eq "--against removes what the reference has, without writing it" 20 "$(dedup -q --against "$T/a.jsonl" "$T/b.jsonl" | wc -l | tr -d ' ')"
t_eq "--drop-clusters drops survivors too" 40 "$(dedup -q --drop-clusters "$T/a.jsonl" "$T/b.jsonl" | wc -l | tr -d ' ')"
t_eq "stdin works like a file" 60 "$(cat "$T/a.jsonl" "$T/b.jsonl" | dedup -q | wc -l | tr -d ' ')"
t_eq "--key user: same prompt, other answer is a duplicate" 1 "$(printf '%s\n' '{"id":"1","messages":[{"role":"user","content":"q"},{"role":"assistant","content":"a"}]}' '{"id":"2","messages":[{"role":"user","content":"q"},{"role":"assistant","content":"b"}]}' | dedup -q --key user | wc -l | tr -d ' ')"
t_eq "deterministic across runs" "$(dedup -q --rejects "$T/r3" "$T/a.jsonl" "$T/b.jsonl" | md5sum) $(md5sum <"$T/r3")" "$(dedup -q --rejects "$T/r4" "$T/a.jsonl" "$T/b.jsonl" | md5sum) $(md5sum <"$T/r4")"
t_status "bad --threshold" 2 dedup --threshold 2

# --shard: N processes under GNU parallel, each a partition of the keys; together the single-process result
dedup -q --mode exact "$T/a.jsonl" "$T/b.jsonl" | sort >"$T/single.sorted"
if command -v parallel >/dev/null 2>&1; then
	parallel -j 3 "dedup -q --mode exact --shard {}/3 '$T/a.jsonl' '$T/b.jsonl' >'$T/shard-{}.jsonl'" ::: 0 1 2
	t_eq "3 shards under GNU parallel = the single-process output" "$(md5sum <"$T/single.sorted")" "$(cat "$T"/shard-*.jsonl | sort | md5sum)"
	t_ok "each shard has part of it" test "$(wc -l <"$T/shard-0.jsonl")" -lt "$(wc -l <"$T/single.sorted")"
else
	t_skip "shards under GNU parallel" "parallel is not installed"
fi
t_eq "shards also over stdin, sequentially" "$(md5sum <"$T/single.sorted")" "$(for i in 0 1; do cat "$T/a.jsonl" "$T/b.jsonl" | dedup -q --mode exact --shard $i/2; done | sort | md5sum)"
t_status "--shard with near duplicates needs --shard-dir (usage)" 2 dedup --shard 0/2 "$T/a.jsonl"
# near mode across processes: shards exchange signatures through a directory
dedup -q "$T/a.jsonl" "$T/b.jsonl" | sort >"$T/near1.sorted"
if command -v parallel >/dev/null 2>&1; then
	mkdir -p "$T/sigs"
	parallel -j 3 "dedup -q --shard {}/3 --shard-dir '$T/sigs' --rejects '$T/nr-{}.jsonl' '$T/a.jsonl' '$T/b.jsonl' >'$T/nshard-{}.jsonl'" ::: 0 1 2
	t_eq "near + exact, 3 shards under GNU parallel = the single-process output" "$(md5sum <"$T/near1.sorted")" "$(cat "$T"/nshard-*.jsonl | sort | md5sum)"
	t_eq "and the near duplicates were found across shards" 5 "$(cat "$T"/nr-*.jsonl | jq -r 'select(.reason=="near_duplicate")|.id' | wc -l | tr -d ' ')"
	t_eq "--shard-dir is made when missing" "$(md5sum <"$T/near1.sorted")" "$(dedup -q --shard 0/1 --shard-dir "$T/newsigs" "$T/a.jsonl" "$T/b.jsonl" | sort | md5sum)"
	mkdir -p "$T/sigs2"
	SFTKIT_SHARD_TIMEOUT=1 dedup -q --shard 0/2 --shard-dir "$T/sigs2" "$T/a.jsonl" >/dev/null 2>"$T/e"
	t_eq "a missing shard times out with exit 1" 1 $?
	t_grep "and names it" "shard 1/2 did not write" "$T/e"
	printf '{"id":"x","messages":[{"role":"user","content":"q"},{"role":"assistant","content":"a"}]}\n' >"$T/other.jsonl"
	mkdir -p "$T/sigs3"
	dedup -q --shard 1/2 --shard-dir "$T/sigs3" "$T/other.jsonl" >/dev/null 2>&1 &
	dedup -q --shard 0/2 --shard-dir "$T/sigs3" "$T/a.jsonl" >/dev/null 2>"$T/e3"
	t_eq "shards over different inputs: exit 1" 1 $?
	wait
	t_grep "and says so" "the shards must read the same inputs" "$T/e3"
	# an earlier run's signature files in the same --shard-dir, of other
	# inputs with as many records, are not read: a shard waits until this
	# run's shard replaces them
	python3 -c "
import json, sys
for i, l in enumerate(open(sys.argv[1]).read().splitlines() + open(sys.argv[2]).read().splitlines()):
    r = json.loads(l)
    r['messages'] = [{'role': 'user', 'content': 'unrelated question number %d about %s' % (i, 'xyzw'[i % 4] * (i + 3))}, {'role': 'assistant', 'content': 'answer %d' % i}]
    print(json.dumps(r))" "$T/a.jsonl" "$T/b.jsonl" >"$T/c.jsonl"
	# (3 shards: the near copies, 40 records apart, fall in other shards)
	mkdir -p "$T/sigs4"
	parallel -j 3 "dedup -q --shard {}/3 --shard-dir '$T/sigs4' '$T/c.jsonl' >/dev/null" ::: 0 1 2
	touch -d '1 minute ago' "$T"/sigs4/*
	dedup -q --shard 1/3 --shard-dir "$T/sigs4" "$T/a.jsonl" "$T/b.jsonl" >"$T/ns4-1" 2>"$T/e4" & p1=$!
	dedup -q --shard 2/3 --shard-dir "$T/sigs4" "$T/a.jsonl" "$T/b.jsonl" >"$T/ns4-2" 2>"$T/e4" & p2=$!
	sleep 1.5
	dedup -q --shard 0/3 --shard-dir "$T/sigs4" "$T/a.jsonl" "$T/b.jsonl" >"$T/ns4-0"
	wait $p1 $p2
	t_eq "an earlier run's signatures in --shard-dir are not reused" "$(md5sum <"$T/near1.sorted")" "$(cat "$T"/ns4-* | sort | md5sum)"
else
	t_skip "near-mode shards under GNU parallel" "parallel is not installed"
fi
t_status "a bad --shard" 2 dedup --mode exact --shard 2/2 "$T/a.jsonl"

# what is compared: NFC, --normalize none, --key as a jq program
printf '%s\n' '{"id":"c","messages":[{"role":"user","content":"caf\u00e9"},{"role":"assistant","content":"ok"}]}' \
	'{"id":"d","messages":[{"role":"user","content":"cafe\u0301"},{"role":"assistant","content":"ok"}]}' \
	'{"id":"e","messages":[{"role":"user","content":"CAFE\u0301 "},{"role":"assistant","content":"ok"}]}' >"$T/nfc.jsonl"
t_eq "composed and decomposed accents, case and spaces: one survivor" c "$(dedup -q --mode exact "$T/nfc.jsonl" | jq -r .id)"
t_eq "--normalize none compares the text as it is" "c d e" "$(dedup -q --mode exact --normalize none "$T/nfc.jsonl" | jq -r .id | tr '\n' ' ' | sed 's/ $//')"
printf '%s\n' '{"id":"1","task":"t1","messages":[{"role":"user","content":"a"},{"role":"assistant","content":"x"}]}' \
	'{"id":"2","task":"t1","messages":[{"role":"user","content":"b"},{"role":"assistant","content":"y"}]}' \
	'{"id":"3","task":"t2","messages":[{"role":"user","content":"a"},{"role":"assistant","content":"x"}]}' >"$T/jq.jsonl"
t_eq "--key as a jq program (.task)" "1 3" "$(dedup -q --mode exact --key .task "$T/jq.jsonl" | jq -r .id | tr '\n' ' ' | sed 's/ $//')"
t_eq "--key with several outputs" "1 2 3" "$(dedup -q --mode exact --key '.task, .messages[0].content' "$T/jq.jsonl" | jq -r .id | tr '\n' ' ' | sed 's/ $//')"
t_status "--key that does not compile" 2 dedup --key '.[' "$T/jq.jsonl"
t_eq "says why in dedup's own words, not libjq's" "dedup: --key: all, user, or a jq program; '.[' is none: syntax error, unexpected \$end (Unix shell quoting issues?) at <top-level>, line 1" "$(head -1 "$T/.err")"

# exact mode alone runs a leaner path (~22 bytes per record): same outputs as the general one
for opts in "--mode exact" "--mode exact --priority b,a" "--mode exact --drop-clusters" "--mode exact --against $T/a.jsonl"; do
	dedup -q $opts --rejects "$T/lr" --clusters "$T/lc" "$T/a.jsonl" "$T/b.jsonl" >"$T/lo"
	SFTKIT_DEDUP_GENERIC=1 dedup -q $opts --rejects "$T/gr" --clusters "$T/gc" "$T/a.jsonl" "$T/b.jsonl" >"$T/go"
	t_eq "lean = general exact path ($opts): output, rejects, clusters" "$(md5sum <"$T/go") $(md5sum <"$T/gr") $(sort "$T/gc" | md5sum)" \
		"$(md5sum <"$T/lo") $(md5sum <"$T/lr") $(sort "$T/lc" | md5sum)"
done
t_status "--bands beyond int: usage error, not wrapped" 2 dedup --bands 99999999999 "$T/a.jsonl"
t_status "--ngram empty: usage error" 2 dedup --ngram '' "$T/a.jsonl"

# --keep-per-key: the first N of each group of equal keys (priority, then input order)
kp() { printf '%s\n' '{"id":"p1","source":"b","messages":[{"role":"user","content":"Solve x"},{"role":"assistant","content":"s1"}]}' \
	'{"id":"p2","source":"a","messages":[{"role":"user","content":"solve  X"},{"role":"assistant","content":"s2"}]}' \
	'{"id":"q1","source":"a","messages":[{"role":"user","content":"other"},{"role":"assistant","content":"t1"}]}' \
	'{"id":"p3","source":"a","messages":[{"role":"user","content":"Solve x"},{"role":"assistant","content":"s3"}]}' \
	'{"id":"p4","source":"a","messages":[{"role":"user","content":"Solve x"},{"role":"assistant","content":"s4"}]}'; }
t_eq "--keep-per-key 1 (the default): one solution per problem, in input order" "p1 q1" "$(kp | dedup -q --mode exact --key user | jq -r .id | tr '\n' ' ' | sed 's/ $//')"
t_eq "--keep-per-key 2: the first two" "p1 p2 q1" "$(kp | dedup -q --mode exact --key user --keep-per-key 2 | jq -r .id | tr '\n' ' ' | sed 's/ $//')"
t_eq "--keep-per-key 2 with --priority a: a's first two" "p2 q1 p3" "$(kp | dedup -q --mode exact --key user --keep-per-key 2 --priority a,b | jq -r .id | tr '\n' ' ' | sed 's/ $//')"
kp | dedup --mode exact --key user --keep-per-key 2 --rejects "$T/kr.jsonl" >/dev/null 2>"$T/ke"
t_grep "--keep-per-key: the set-aside count in the summary" "read 5, kept 3, dropped 2 (duplicate 2)" "$T/ke"
t_eq "--keep-per-key: dup_of names the group's first" "p1 p1" "$(jq -r .dup_of "$T/kr.jsonl" | tr '\n' ' ' | sed 's/ $//')"
t_status "--keep-per-key 2 in near mode is a usage error" 2 dedup --keep-per-key 2 "$T/a.jsonl"
t_status "--keep-per-key 0 is a usage error" 2 dedup --mode exact --keep-per-key 0 "$T/a.jsonl"
# --key on a record nested deeper than libjq's parser goes: a data error with
# file and line, not an assertion
python3 -c "
d='1'
for i in range(300): d='['+d+']'
print('{\"id\":\"1\",\"task\":\"t\",\"deep\":'+d+',\"messages\":[]}')" >"$T/deep.jsonl"
t_status "--key on a record too deep for libjq: exit 1" 1 dedup -q --key .task "$T/deep.jsonl"
t_grep "naming file and line" "deep.jsonl:1: --key: libjq cannot read the record: Exceeds depth limit" "$T/.err"
if [ "${SANITIZE:-}" = 1 ]; then
	t_skip "dedup out of memory: exit 1" "ulimit -v and ASan do not mix"
else
	sh -c 'ulimit -v 400000; exec dedup /dev/zero' >/dev/null 2>"$T/e"
	t_eq "dedup on /dev/zero under a memory limit: exit 1" 1 $?
	t_grep "naming file and line" "^dedup: /dev/zero:1: out of memory" "$T/e"
fi
# closed standard streams fail loudly: no spool file takes descriptor 1 or 0
dedup "$T/a.jsonl" >&- 2>"$T/e"
t_eq "dedup FILE >&-: exit 1" 1 $?
t_grep "saying standard output cannot be written" "^dedup: write error on standard output: Bad file descriptor" "$T/e"
dedup <&- >"$T/o" 2>"$T/e"
t_eq "dedup <&-: exit 1, not read 0" 1 $?
t_grep "saying standard input cannot be read" "^dedup: <stdin>: read error: Bad file descriptor" "$T/e"
# a --key that gives null for every record does not collapse the set to one
printf '%s\n' '{"id":"1","messages":[{"role":"user","content":"a"},{"role":"assistant","content":"b"}]}' \
	'{"id":"2","messages":[{"role":"user","content":"c"},{"role":"assistant","content":"d"}]}' \
	'{"id":"3","task":"t","messages":[]}' '{"id":"4","task":"t","messages":[]}' '{"id":"5","task":"","messages":[]}' >"$T/nokey.jsonl"
for m in exact near; do
	t_eq "--key .task, $m mode: records without a task are all kept" "1 2 3 5" "$(dedup --mode $m --key .task "$T/nokey.jsonl" 2>"$T/e" | jq -r .id | tr '\n' ' ' | sed 's/ $//')"
	t_grep "--key .task, $m mode: and counted in a warning" "warning: --key: 3 records gave no key (null, \"\" or no output): kept, and compared with none" "$T/e"
done
# inputs read in place (regular files) and spooled (pipes, standard input
# not read from its start): the same output, rejects and clusters either way
python3 - "$T" <<'PY'
import sys
T = sys.argv[1]
lines = open(T + "/a.jsonl").read().splitlines()
# bad lines between records (skipped with --skip-bad), a CRLF line, no final newline
out = lines[:3] + ["not json", ""] + lines[3:7] + [lines[7] + "\r"] + ["[1]"] + lines[8:]
open(T + "/c.jsonl", "w").write("\n".join(out))
PY
# (the rejects of bad lines name their file: left out of the comparison)
digest() { { cat "$1"; jq -c 'del(.file)' "$2"; cat "$3"; } | md5sum; }
for m in exact near both generic; do
	if [ $m = generic ]; then set -- env SFTKIT_DEDUP_GENERIC=1 dedup --mode exact; else set -- dedup --mode $m; fi
	"$@" -q --skip-bad --rejects "$T/pr0" --clusters "$T/pc0" "$T/c.jsonl" "$T/b.jsonl" >"$T/po0"
	want="$(digest "$T/po0" "$T/pr0" "$T/pc0")"
	t_eq "$m: regular files in place, bad lines between records skipped" "3 $(wc -l <"$T/b.jsonl" | tr -d ' ')" \
		"$(grep -c bad_json "$T/pr0") $(cat "$T/pr0" "$T/po0" | grep -c '"id": *"b-')"
	cat "$T/c.jsonl" | "$@" -q --skip-bad --rejects "$T/pr1" --clusters "$T/pc1" - "$T/b.jsonl" >"$T/po1"
	t_eq "$m: standard input from a pipe and a file: the same" "$want" "$(digest "$T/po1" "$T/pr1" "$T/pc1")"
	rm -f "$T/fifo"; mkfifo "$T/fifo"
	cat "$T/b.jsonl" >"$T/fifo" &
	"$@" -q --skip-bad --rejects "$T/pr2" --clusters "$T/pc2" "$T/c.jsonl" "$T/fifo" >"$T/po2"
	wait
	t_eq "$m: a file and a named pipe: the same" "$want" "$(digest "$T/po2" "$T/pr2" "$T/pc2")"
	"$@" -q --skip-bad --rejects "$T/pr3" --clusters "$T/pc3" - "$T/b.jsonl" <"$T/c.jsonl" >"$T/po3"
	t_eq "$m: standard input redirected from the file: the same" "$want" "$(digest "$T/po3" "$T/pr3" "$T/pc3")"
	TMPDIR="$T/nonexistent" "$@" -q --skip-bad --rejects "$T/pr4" --clusters "$T/pc4" "$T/c.jsonl" "$T/b.jsonl" >"$T/po4"
	t_eq "$m: regular files need no spool (TMPDIR that does not exist)" "0 $want" "$? $(digest "$T/po4" "$T/pr4" "$T/pc4")"
	cat "$T/b.jsonl" | TMPDIR="$T/nonexistent" "$@" -q "$T/a.jsonl" - >/dev/null 2>"$T/e"
	t_eq "$m: a pipe does, and fails without one: exit 1" 1 $?
	t_grep "$m: saying why and where" "^dedup: <stdin>: not a regular file, so it is copied to a spool: cannot create a temporary file in $T/nonexistent: No such file or directory" "$T/e"
	# --against in place and from a pipe
	"$@" -q --against "$T/a.jsonl" --rejects "$T/pr5" "$T/b.jsonl" >"$T/po5"
	cat "$T/a.jsonl" >"$T/fifo" &
	"$@" -q --against "$T/fifo" --rejects "$T/pr6" "$T/b.jsonl" >"$T/po6"
	wait
	t_eq "$m: --against a file or a pipe: the same" "$(cat "$T/po5" "$T/pr5" | md5sum)" "$(cat "$T/po6" "$T/pr6" | md5sum)"
	t_eq "$m: and it drops what the reference holds" 0 "$(jq -r 'select(.dup_of|startswith("a-")|not)' "$T/pr5" | wc -l | tr -d ' ')"
done
# standard input not read from its start is spooled, from where it is
{ head -n 5 >/dev/null; dedup -q --mode exact -; } <"$T/a.jsonl" >"$T/po7"
t_eq "standard input past its start: the records from there" "$(tail -n +6 "$T/a.jsonl" | md5sum)" "$(md5sum <"$T/po7")"
