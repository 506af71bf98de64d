# sft-report: the sections, numbers that match the data, escaping, no network.
. "$SFTKIT_ROOT/tests/cli/lib.sh"
python3 -c "
import json
for i in range(30): print(json.dumps({'id': str(i), 'source': 'a' if i < 20 else 'b<script>', 'n_tokens': 40 * i, 'messages': [{'role': 'user', 'content': 'q <b>%d</b>' % i}, {'role': 'assistant', 'content': 'ok'}]}))
" >"$T/train.jsonl"
mkdir -p "$T/sum"
echo '{"tool":"drop-multimodal","read":40,"kept":30,"dropped":10,"reasons":{"multimodal_placeholder":10},"seconds":0.1,"inputs":[]}' >"$T/sum/3-drop.json"
printf '{"parts":[{"name":"a","requested":20,"available":25,"taken":20,"train":20,"validation":0,"epochs":0,"shortfall":0}],"seed":7}\n' >"$T/m.json"
sft-report -m "$T/m.json" -s "$T/sum" -o "$T/r.html" "$T/train.jsonl"
t_eq "exit 0" 0 $?
t_grep "composition row for a: 20 records, 66.7%" "<td>a</td><td>20</td><td>66.7%</td>" "$T/r.html"
t_grep "source names are escaped" "b&lt;script&gt;" "$T/r.html"
t_eq "no raw <script> from the data" 0 "$(grep -c '<script' "$T/r.html")"
t_grep "examples are escaped" "q &lt;b&gt;" "$T/r.html"
t_grep "the stage table has the summary" "<td>3-drop</td><td>drop-multimodal</td><td>40</td><td>30</td><td>10</td><td>multimodal_placeholder 10</td>" "$T/r.html"
t_grep "the recipe table has the manifest's part" "<td>a</td><td>20</td><td>25</td><td>20</td>" "$T/r.html"
t_grep "bins fit the longest record (1160 tokens: width 128)" "&gt;=2048<" "$T/r.html"
t_eq "self-contained: no http(s) resource" 0 "$(grep -Eic '(src|href)="https?:' "$T/r.html")"
t_eq "deterministic" "$(md5sum <"$T/r.html")" "$(sft-report -m "$T/m.json" -s "$T/sum" "$T/train.jsonl" | md5sum)"
printf '{"messages":[{"role":"user","content":"a"},{"role":"assistant","content":"b"}]}\n' >"$T/nt.jsonl"
t_grep "without n_tokens it says the lengths are characters" "lengths below are characters" "$(sft-report "$T/nt.jsonl" >"$T/r2.html"; echo "$T/r2.html")"
t_status "no input: usage error" 2 sft-report
t_status "a missing summaries dir: exit 1" 1 sft-report -s "$T/nope" "$T/train.jsonl"
