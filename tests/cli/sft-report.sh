# sft-report: the sections, numbers that match the data, escaping, no network,
# determinism, and a headless-Chromium rendering that is not blank.
. "$SFTKIT_ROOT/tests/cli/lib.sh"
python3 -c "
import json
for i in range(30): print(json.dumps({'id': str(i), 'source': 'a' if i < 20 else 'b<script>', 'n_tokens': 40 * i, 'messages': [{'role': 'user', 'content': 'q <b>%d</b> \u00e9' % i}, {'role': 'assistant', 'content': 'ok'}] + ([{'role': 'user', 'content': 'more'}, {'role': 'assistant', 'content': 'yes'}] if i % 3 == 0 else [])}))
" >"$T/train.jsonl"
printf '{"source":"a","n_tokens":5,"messages":[{"role":"user","content":"v"},{"role":"assistant","content":"w"}]}\n' >"$T/val.jsonl"
mkdir -p "$T/sum"
echo '{"tool":"drop-multimodal","read":40,"kept":30,"dropped":10,"reasons":{"multimodal_placeholder":7,"image_part":3},"seconds":0.1,"inputs":[]}' >"$T/sum/3-drop.json"
echo '{"tool":"tok-len","read":30,"kept":30,"dropped":0,"reasons":{},"seconds":0.1,"inputs":[]}' >"$T/sum/4-tok.json"
printf '{"parts":[{"name":"a","spec":"20","where":["source=a"],"requested":20,"available":25,"taken":20,"train":20,"validation":0,"epochs":0,"shortfall":0}],"seed":7,"lock":[{"repo":"org/ds","revision":"main","commit":"c0ffee"}]}\n' >"$T/m.json"
sft-report -m "$T/m.json" -s "$T/sum" -o "$T/r.html" "$T/train.jsonl" "$T/val.jsonl"
t_eq "exit 0" 0 $?
t_grep "composition row for a: 20 train, 1 validation, 67.7% of 31, 7605 tokens, mean 362, max 760" \
	"<td>a</td><td>20</td><td>1</td><td>67.7%</td><td>7,605</td><td>362</td><td>760</td>" "$T/r.html"
t_grep "composition row for b<script>, escaped" "<td>b&lt;script&gt;</td><td>10</td><td>0</td><td>32.3%</td>" "$T/r.html"
t_eq "no raw <script> from the data" 0 "$(grep -c '<script' "$T/r.html")"
t_grep "examples are decoded and escaped" "q &lt;b&gt;[0-9]*&lt;/b&gt; é" "$T/r.html"
t_grep "the stage table has the summary" "<td>3-drop</td><td class=\"t\">drop-multimodal</td><td>40</td><td>30</td><td>10</td><td class=\"t\">multimodal_placeholder 7, image_part 3</td>" "$T/r.html"
t_grep "stages in file-name order" "4-tok" "$T/r.html"
t_grep "the recipe table has the manifest's part" "<td>20</td><td>25</td><td>20</td><td>20</td><td>0</td>" "$T/r.html"
t_grep "the lock's commit is shown" "c0ffee" "$T/r.html"
t_grep "bins fit the longest record (1160 tokens: width 128, open bin from 2048)" "&gt;=2048<" "$T/r.html"
t_grep "the first bin of a holds 0, 40, 80, 120 and the validation record (5)" "<title>0-128: 5</title>" "$T/r.html"
t_grep "messages per conversation: 4 messages in 7 of a's 20" "<title>4: 7</title>" "$T/r.html"
t_eq "self-contained: no external resource" 0 "$(grep -Eic '(src|href|url)[=(]"?(https?:)?//' "$T/r.html")"
t_eq "no script at all" 0 "$(grep -ic '<script' "$T/r.html")"
t_eq "deterministic" "$(md5sum <"$T/r.html")" "$(sft-report -m "$T/m.json" -s "$T/sum" "$T/train.jsonl" "$T/val.jsonl" | md5sum)"
printf '{"messages":[{"role":"user","content":"h\\u00e9llo"},{"role":"assistant","content":"b"}]}\n' >"$T/nt.jsonl"
sft-report "$T/nt.jsonl" >"$T/r2.html"
t_grep "without n_tokens it says the lengths are characters" "Lengths are in characters, not tokens" "$T/r2.html"
t_grep "characters are code points of the decoded contents (hello + b = 6)" "<td>6</td><td>6</td><td>6</td></tr>" "$T/r2.html"
t_grep "without a source field it says so" "have no <code>source</code> field" "$T/r2.html"
python3 -c "
import json
print(json.dumps({'source': 's', 'messages': [{'role': 'user', 'content': '\u00e9' * 3000}, {'role': 'assistant', 'content': 'x'}]}))
" >"$T/long.jsonl"
sft-report "$T/long.jsonl" >"$T/r3.html"
t_grep "long contents are cut on a character boundary" "more bytes" "$T/r3.html"
t_eq "and the page stays valid UTF-8" 0 "$(python3 -c "open('$T/r3.html','rb').read().decode('utf-8')" 2>&1 | wc -l | tr -d ' ')"
t_status "no input: usage error" 2 sft-report
t_status "three inputs: usage error" 2 sft-report "$T/nt.jsonl" "$T/nt.jsonl" "$T/nt.jsonl"
t_status "a missing summaries dir: exit 1" 1 sft-report -s "$T/nope" "$T/train.jsonl"
echo '{"tool":"x","read":"many"}' >"$T/sum/5-bad.json"
t_status "a summary without counts: exit 1" 1 sft-report -s "$T/sum" "$T/train.jsonl"
t_grep "and the message names the file and the field" "5-bad.json: 5-bad: expected \"read\" as a count" "$T/.err"
echo '[1,2]' >"$T/bad-m.json"
t_status "a manifest that is not one: exit 1" 1 sft-report -m "$T/bad-m.json" "$T/train.jsonl"
t_status "a directory as the manifest: exit 1" 1 sft-report -m "$T/sum" "$T/train.jsonl"
t_grep "with the real reason, not EIO" "^sft-report: .*/sum: Is a directory$" "$T/.err"
printf '{"messages":[]}\nnot json\n' >"$T/bad.jsonl"
t_status "bad data: exit 1" 1 sft-report "$T/bad.jsonl"
t_grep "with the position" "bad.jsonl:2:" "$T/.err"

# Render it in headless Chromium and check the screenshot is not blank.
CHROME=/usr/bin/chromium
if [ -x "$CHROME" ]; then
	shot() { # HTML PNG WIDTH HEIGHT
		HOME="$T" timeout 90 "$CHROME" --headless --no-sandbox --disable-gpu --hide-scrollbars --no-first-run \
			--user-data-dir="$T/chrome" --window-size="$3,$4" --screenshot="$2" "file://$1" >"$T/chrome.log" 2>&1
	}
	shot "$T/r.html" "$T/r.png" 1000 1400
	if [ -s "$T/r.png" ]; then
		ink=$(python3 "$FIX/sft-report/png_ink.py" "$T/r.png")
		set -- $ink
		t_eq "the screenshot has the window's size" "1000 1400" "$1 $2"
		t_eq "the screenshot is not blank (more than 2% of the pixels are ink: $3)" 1 "$(($3 * 50 > $1 * $2))"
		printf '<!DOCTYPE html><html><body></body></html>\n' >"$T/blank.html"
		shot "$T/blank.html" "$T/blank.png" 200 150
		t_eq "the ink counter sees a blank page as blank" "200 150 0" "$(python3 "$FIX/sft-report/png_ink.py" "$T/blank.png")"
		if [ -n "${SFTKIT_KEEP_SHOT:-}" ]; then cp "$T/r.png" "$SFTKIT_KEEP_SHOT"; fi
	else
		echo "not ok - chromium wrote no screenshot"
		tail -5 "$T/chrome.log" >&2
	fi
else
	t_skip "headless Chromium screenshot" "no /usr/bin/chromium (install Debian's chromium: sh src/deps.sh)"
fi

# the contamination section: decontam's --report lines and its summaries' drops per benchmark
mkdir -p "$T/dsum"
printf '{"tool":"decontam","read":9,"kept":7,"dropped":2,"reasons":{"contaminated":2},"benchmarks":{"gsm8k":2,"mbpp":0}}\n' >"$T/dsum/a.5-decontam.json"
printf '%s\n' '{"benchmark":"gsm8k","item":"line 7","field":"question","rows":2,"sources":["src/<a>","src/b"],"more_sources":false,"example":"r9","score":1.000,"excerpt":"Janet <ducks> lay"}' >"$T/d.jsonl"
printf '{"id":"x","source":"s","messages":[{"role":"user","content":"hi"},{"role":"assistant","content":"yo"}]}\n' >"$T/one.jsonl"
sft-report -s "$T/dsum" -d "$T/d.jsonl" "$T/one.jsonl" >"$T/dr.html" 2>"$T/dr.err"
t_grep "contamination: per benchmark, rows dropped, items hit, records hit" '<td class="t">gsm8k</td><td>2</td><td>1</td><td>2</td>' "$T/dr.html"
t_grep "contamination: sources and the example's excerpt, escaped" 'src/&lt;a&gt;<br>src/b</td><td class="t"><b>line 7</b>: &ldquo;Janet &lt;ducks&gt; lay&rdquo;' "$T/dr.html"
t_grep "contamination: benchmarks checked and not hit are counted" 'against 2 benchmarks (1 hit)' "$T/dr.html"
printf 'not json\n' >"$T/bad-d.jsonl"
t_status "a bad --decontam file: exit 1" 1 sft-report -d "$T/bad-d.jsonl" "$T/one.jsonl"
t_grep "with its line" "bad-d.jsonl: line 1: expected a decontam --report line" "$T/.err"
