// make-sample.mjs — regenerate the bundled Hub mirror (pipelines/sample/hub/).
//
// Writes the four mission datasets in their real repo layouts and schemas,
// a few hundred synthetic but realistic rows each, with the cases the filters
// exist for: multimodal (also serialised into strings), tool-use and
// identity rows in Dolci, GPT-4's identity and a cut-off in Magicoder, exact
// and near duplicates across sources, rows far over 8192 tokens, rows that
// hold benchmark items. And the benchmarks of pipelines/benchmarks.list in
// their real layouts, a few real test items each from
// pipelines/sample/benchmarks.json (licences there; LiveCodeBench's rows are
// made up in its schema). Deterministic (seeded PRNG; the benchmark and
// identity parts draw no random numbers).
// Parquet is written by DuckDB (a fixture-time oracle, never a run-time need):
//
//   cd /tmp/oracles && node /path/to/sftkit/pipelines/sample/make-sample.mjs /path/to/sftkit
//
// The Qwen2.5 tokenizer is copied (gzip'd) from ../shared/tokenizers/qwen2_5.
import { createRequire } from 'module';
import fs from 'fs';
import path from 'path';
import zlib from 'zlib';
import { execFileSync } from 'child_process';

const require = createRequire(process.cwd() + '/node_modules/');
const { DuckDBInstance } = require('@duckdb/node-api');

const root = path.resolve(process.argv[2] || '.');
const hub = path.join(root, 'pipelines/sample/hub');

let seed = 20260203n;
function rnd() {   // splitmix64 -> [0,1)
  seed = (seed + 0x9E3779B97F4A7C15n) & 0xFFFFFFFFFFFFFFFFn;
  let z = seed;
  z = ((z ^ (z >> 30n)) * 0xBF58476D1CE4E5B9n) & 0xFFFFFFFFFFFFFFFFn;
  z = ((z ^ (z >> 27n)) * 0x94D049BB133111EBn) & 0xFFFFFFFFFFFFFFFFn;
  z = z ^ (z >> 31n);
  return Number(z >> 11n) / 2 ** 53;
}
const pick = (a) => a[Math.floor(rnd() * a.length)];
const int = (lo, hi) => lo + Math.floor(rnd() * (hi - lo + 1));

const langs = ['Python', 'JavaScript', 'Rust', 'Go', 'C', 'C++', 'Java', 'TypeScript', 'Bash', 'SQL'];
const tasks = [
  'reverse a linked list in place', 'parse an ISO 8601 timestamp', 'merge two sorted arrays',
  'find the longest palindromic substring', 'debounce a function call', 'read a CSV file and sum a column',
  'implement an LRU cache', 'validate an email address', 'compute the Levenshtein distance',
  'flatten a nested list', 'retry an HTTP request with exponential backoff', 'detect a cycle in a graph',
  'serialize a binary tree', 'rate-limit requests per user', 'stream a large file line by line',
  'convert Roman numerals to integers', 'group anagrams together', 'schedule tasks with a priority queue',
  'memoize a recursive function', 'walk a directory tree and list large files',
];
const moods = [
  "I've been stuck on this for hours and I'm honestly frustrated.",
  'My team lead asked me to clean this up before the release.',
  "I'm new to programming, so please explain gently.",
  'This is for a production service, so correctness matters more than brevity.',
  "I keep getting an off-by-one error and I don't understand why.",
  '',
];
const words = ('the a function value returns list index error memory thread lock request response cache key '
  + 'buffer pointer array string number loop condition branch test case input output file stream socket '
  + 'server client queue stack tree node edge graph path cost time space complexity linear constant '
  + 'because when while after before since although therefore however moreover simply carefully quickly').split(' ');
const sentence = (n) => {
  const w = [];
  for (let i = 0; i < n; i++) w.push(pick(words));
  const s = w.join(' ');
  return s[0].toUpperCase() + s.slice(1) + '.';
};
const para = (k) => Array.from({ length: k }, () => sentence(int(8, 18))).join(' ');

function codeFor(lang, task) {
  const fname = task.split(' ').slice(0, 3).join('_').replace(/[^a-z_]/g, '');
  switch (lang) {
    case 'Python':
      return `def ${fname}(items):\n    """${task}."""\n    result = []\n    for i, x in enumerate(items):\n        if x is not None:\n            result.append((i, x))\n    return result\n`;
    case 'Rust':
      return `fn ${fname}(items: &[i64]) -> Vec<i64> {\n    // ${task}\n    items.iter().copied().filter(|x| *x >= 0).collect()\n}\n`;
    case 'Go':
      return `func ${fname}(items []int) []int {\n\t// ${task}\n\tout := make([]int, 0, len(items))\n\tfor _, x := range items {\n\t\tout = append(out, x)\n\t}\n\treturn out\n}\n`;
    case 'SQL':
      return `SELECT user_id, COUNT(*) AS n\nFROM events\nWHERE created_at >= NOW() - INTERVAL '7 days'\nGROUP BY user_id\nORDER BY n DESC;\n`;
    case 'Bash':
      return `#!/bin/sh\n# ${task}\nset -eu\nfind "\${1:-.}" -type f -size +10M -print | sort\n`;
    default:
      return `// ${task}\nfunction ${fname}(items) {\n  const out = [];\n  for (let i = 0; i < items.length; i++) {\n    if (items[i] !== undefined) out.push(items[i]);\n  }\n  return out;\n}\n`;
  }
}
const fence = (lang) => lang.toLowerCase().replace('c++', 'cpp');

function codingPair() {
  const lang = pick(langs), task = pick(tasks), mood = pick(moods);
  const q = `${mood ? mood + ' ' : ''}How do I ${task} in ${lang}? ${sentence(int(6, 12))}`;
  const a = `That sounds like a tricky spot, and it's a very common one. Here is a clear way to ${task} in ${lang}:\n\n` +
    '```' + fence(lang) + '\n' + codeFor(lang, task) + '```\n\n' + para(int(2, 4)) +
    `\n\nThe approach runs in O(n) time. ${sentence(10)}`;
  return [q, a];
}

function mathPair() {
  const a = int(2, 99), b = int(2, 99), c = int(2, 20);
  const kinds = [
    [`What is the value of $${a} \\times ${b} + ${c}$?`, `We compute $${a} \\times ${b} = ${a * b}$, then add ${c}: $${a * b} + ${c} = ${a * b + c}$.\n\nThe answer is $\\boxed{${a * b + c}}$.`, `${a * b + c}`],
    [`A rectangle has sides ${a} cm and ${b} cm. What is its area in square centimetres?`, `The area of a rectangle is length times width: $${a} \\cdot ${b} = ${a * b}$.\n\nSo the area is $\\boxed{${a * b}}$ square centimetres.`, `${a * b}`],
    [`Solve for $x$: $${c}x + ${a} = ${c * b + a}$.`, `Subtract ${a} from both sides: $${c}x = ${c * b}$. Divide by ${c}: $x = ${b}$.\n\nThus $x = \\boxed{${b}}$.`, `${b}`],
    [`Find the remainder when $${a * 101 + b}$ is divided by $${c}$.`, `We have $${a * 101 + b} = ${c} \\cdot ${Math.floor((a * 101 + b) / c)} + ${(a * 101 + b) % c}$.\n\nThe remainder is $\\boxed{${(a * 101 + b) % c}}$.`, `${(a * 101 + b) % c}`],
  ];
  return pick(kinds);
}

function chatPair(domain) {
  const topics = {
    Chat: ['How can I stay motivated while learning to code?', 'Any tips for my first week at a new job?'],
    Safety: ['How do I store user passwords safely?', 'Is it okay to log API keys for debugging?'],
    Science: ['Why is the sky blue?', 'How do vaccines train the immune system?'],
    Multilingual: ['¿Cómo puedo mejorar mi pronunciación en inglés?', 'Wie schreibe ich eine höfliche E-Mail an meinen Chef?'],
    'Precise IF': ['Write exactly three bullet points about code review, each under ten words.', 'Answer in one sentence: what is recursion?'],
    Other: ['Plan a three-day trip to Lisbon on a budget.', 'Summarize the plot of Hamlet in a paragraph.'],
    Reasoning: ['If all bloops are razzies and some razzies are lazzies, must some bloops be lazzies?', 'A bat and a ball cost $1.10 in total; the bat costs $1 more. What does the ball cost?'],
    Math: ['Explain why the derivative of sin(x) is cos(x).', 'What is a prime number, intuitively?'],
  };
  return [pick(topics[domain] || topics.Other) + ' ' + sentence(int(5, 10)), 'Good question. ' + para(int(2, 5))];
}

function longText(nwords) {
  const w = [];
  for (let i = 0; i < nwords; i++) w.push(pick(words) + (i % 17 === 16 ? '.\n' : ''));
  return w.join(' ');
}

// ---------- Magicoder: one JSONL file, instruction/response ----------
const magic = [];
for (let i = 0; i < 300; i++) {
  const [q, a] = codingPair();
  magic.push({ instruction: q, response: a });
}

// ---------- Dolci: data/train-*.parquet, messages + domain + source_dataset ----------
// The real domain names (Dolci also has 'Tool Use', given to the planted
// tool-use rows below, and 'Hardcoded Data'); the shares are not the real ones.
const domains = [['Coding', 0.4], ['Math', 0.15], ['Other', 0.06], ['Reasoning', 0.06], ['Precise IF', 0.08], ['Safety', 0.08],
  ['Science', 0.07], ['Multilingual', 0.07], ['Chat', 0.03]];
// source_dataset values as the real dataset spells them
const sourcesOf = {
  Coding: ['Python Algorithms', 'Evol CodeAlpaca', 'Persona Python'],
  Math: ['Tulu 3 Persona MATH', 'OpenMathInstruct 2'],
  Other: ['Wildchat', 'OpenAssistant'],
};
function pickDomain() {
  let r = rnd();
  for (const [d, p] of domains) { if ((r -= p) < 0) return d; }
  return 'Other';
}
const msg = (role, content, extra = {}) => ({ role, content, function_calls: null, functions: null, ...extra });
const dolci = [];
for (let i = 0; i < 420; i++) {
  const domain = pickDomain();
  let q, a;
  if (domain === 'Coding') [q, a] = codingPair();
  else if (domain === 'Math') [q, a] = mathPair();
  else [q, a] = chatPair(domain);
  const messages = [];
  if (rnd() < 0.15) messages.push(msg('system', 'You are a kind and patient assistant.'));
  messages.push(msg('user', q), msg('assistant', a));
  if (rnd() < 0.2) messages.push(msg('user', 'Thanks! ' + sentence(8)), msg('assistant', para(2)));
  dolci.push({ id: `dolci-${i}`, messages, domain, source_dataset: pick(sourcesOf[domain] || sourcesOf.Other) });
}
// planted cases (each kind a handful, so reports show them)
const plant = (k, f) => { for (let j = 0; j < k; j++) f(j); };
plant(6, (j) => {   // tool use, OLMo style
  const d = dolci[10 + j * 7];
  d.messages = [
    msg('system', 'You can call functions.', { functions: JSON.stringify([{ name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } }]) }),
    msg('user', 'What is the weather in Paris right now?'),
    msg('assistant', '', { function_calls: 'get_weather(city="Paris")' }),
    msg('environment', '{"temp_c": 14, "sky": "cloudy"}'),
    msg('assistant', 'It is 14°C and cloudy in Paris.'),
  ];
  d.domain = 'Tool Use';
  d.source_dataset = 'Dolci Instruct Tool Use';
});
plant(6, (j) => {   // multimodal
  const d = dolci[12 + j * 11];
  const forms = ['<image>\nWhat is shown in this picture?', 'Describe this chart: ![chart](https://example.com/chart.png)',
    'Here is a screenshot <|vision_start|><|image_pad|><|vision_end|> what does the error mean?',
    'Look at this: data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==',
    '<img src="https://example.com/cat.jpg"> What breed is this cat?', 'Compare <image_1> and <image_2>.'];
  d.messages[d.messages.length - 2].content = forms[j];
});
plant(5, (j) => {   // benign image talk in code: must be kept
  const d = dolci[15 + j * 13];
  d.domain = 'Coding';
  d.messages = [msg('user', 'How do I resize an image with PIL in Python?'),
    msg('assistant', 'Use Image.resize:\n\n```python\nfrom PIL import Image\nimg = Image.open("in.png")\nimg = img.resize((128, 128))\nimg.save("out.png")\nhtml = \'<img src="out.png">\'\n```\n' + para(1 + j))];
});
plant(4, (j) => {   // far over 8192 tokens
  const d = dolci[20 + j * 17];
  d.messages[d.messages.length - 1].content = longText(9000 + j * 2000);
});
plant(12, (j) => {   // exact copies of Magicoder rows (cross-source)
  const d = dolci[30 + j * 9];
  d.domain = 'Coding';
  d.messages = [msg('user', magic[j].instruction), msg('assistant', magic[j].response)];
});
plant(8, (j) => {   // near copies of Magicoder rows (a word changed)
  const d = dolci[33 + j * 9];
  d.domain = 'Coding';
  d.messages = [msg('user', magic[50 + j].instruction.replace(/\?/, ', please?')), msg('assistant', magic[50 + j].response.replace('tricky', 'hard'))];
});
plant(6, (j) => {   // exact duplicates within Dolci
  const src = dolci[100 + j], d = dolci[200 + j * 3];
  d.messages = JSON.parse(JSON.stringify(src.messages));
  d.domain = src.domain;
});
plant(3, (j) => {   // broken rows to-messages must reject
  const d = dolci[300 + j];
  if (j === 0) d.messages = [msg('user', 'Hello?')];                      // no assistant turn
  if (j === 1) d.messages = [msg('user', 'Hi'), msg('assistant', '')];  // empty answer
  if (j === 2) d.messages = [];
});
// Identity and cut-off rows for drop-identity, and content lists serialised
// into strings for drop-multimodal: fixed texts at fixed rows, drawing
// nothing from the PRNG, so every other row stays as it was.
const identity = [
  ['Who are you?', "Hi! I'm OLMo, an open language model built by Ai2 (the Allen Institute for AI). How can I help you today?"],
  ['What is your name?', 'My name is OLMo. I was trained by Ai2 to be a helpful, open assistant.'],
  ['Who created you?', '<think>\nThe user asks about my origin. I was created by Ai2.\n</think>\n\nI was created by Ai2, the Allen Institute for AI, as part of the OLMo project.'],
  ['Do you know what happened last week?', 'My knowledge cutoff is December 2024, so I may not know about recent events. Please check a news source.'],
];
identity.forEach(([q, a], j) => {
  const d = dolci[380 + j];
  d.messages = [msg('user', q), msg('assistant', a)];
  d.domain = 'Hardcoded Data';
  d.source_dataset = 'Hardcoded';
});
{   // the same subject in the third person: kept
  const d = dolci[384];
  d.messages = [msg('user', 'What is OLMo?'), msg('assistant', 'OLMo is a family of fully open language models released by Ai2, with their data, code and weights.')];
  d.domain = 'Chat';
}
const serialised = [
  [{ type: 'image_url', image_url: { url: 'https://example.com/diagram.png' } }, { type: 'text', text: 'Describe the diagram.' }],
  [{ type: 'text', text: 'Transcribe this recording.' }, { type: 'input_audio', input_audio: { data: 'UklGRiQAAABXQVZFZm10IBAAAAABAAEA', format: 'wav' } }],
  [{ type: 'image', image: 'https://example.com/receipt.jpg' }, { type: 'text', text: 'What is the total on this receipt?' }],
];
serialised.forEach((parts, j) => {
  const d = dolci[390 + j];
  d.messages = [msg('user', JSON.stringify(parts, null, j === 1 ? 1 : 0)), msg('assistant', 'I cannot see attachments in this conversation.')];
});
{   // the same JSON shown as an example in a fence: kept
  const d = dolci[393];
  d.domain = 'Coding';
  d.messages = [msg('user', 'How do I send an image to the chat completions API?'),
    msg('assistant', 'Put a content list in the user message:\n\n```json\n' + JSON.stringify(serialised[0], null, 2) + '\n```\n\nThe text part carries your question.')];
}
// Magicoder's answers were written by GPT-4, and a few say so
magic[200].response = 'As an AI language model developed by OpenAI, I cannot run your code, but here is how to fix it:\n\n' + magic[200].response;
magic[201].response = "I'm ChatGPT, a large language model trained by OpenAI. " + magic[201].response;
magic[202].response = 'As of my last update in 2023, this was the recommended approach. ' + magic[202].response;

// ---------- OpenMathInstruct-2: data/{split}-*.parquet ----------
function mathRows(n, tag) {
  const rows = [];
  for (let i = 0; i < n; i++) {
    const [p, s, ans] = mathPair();
    rows.push({ problem: p, generated_solution: s, expected_answer: ans, problem_source: pick(['augmented_math', 'augmented_gsm8k', 'math', 'gsm8k']) + (tag ? '' : '') });
  }
  return rows;
}
const omTrain1M = mathRows(320, '1M');
plant(10, (j) => { omTrain1M[100 + j * 5] = { ...omTrain1M[j] }; });   // within-source duplicates
plant(2, (j) => { omTrain1M[200 + j].generated_solution = longText(10000); });
// repeated problems, another solution each (train_1M holds several per problem):
// the openmath stage keeps one; no PRNG draws, so the rows after stay as they were
for (let j = 0; j < 12; j++) omTrain1M[260 + j] = { ...omTrain1M[40 + j], generated_solution: 'Another way to see it.\n\n' + omTrain1M[40 + j].generated_solution };

// ---------- codeforces-cots: solutions/train-*.parquet ----------
const cf = [];
for (let i = 0; i < 180; i++) {
  const cid = 1900 + int(0, 150), idx = pick(['A', 'B', 'C', 'D', 'E']);
  const title = pick(['Array Splitting', 'Binary Strings', 'Tree Queries', 'Game on Grid', 'Minimum Cost Path', 'Balanced Brackets']);
  const desc = `You are given an array of $n$ integers. ${para(3)}`;
  const prompt = `You will be given a competitive programming problem.\n\n# Problem\n${desc}\n\n## Input Format\nThe first line contains $n$ ($1 \\le n \\le 2 \\cdot 10^5$).\n\n## Output Format\nPrint one integer.\n\nNow solve the problem in C++17.`;
  const think = `<think>\n${para(int(4, 9))}\nSo the answer is a prefix-sum argument; complexity O(n).\n</think>`;
  const code = '```cpp\n#include <bits/stdc++.h>\nusing namespace std;\nint main() {\n    int n; cin >> n;\n    long long s = 0;\n    for (int i = 0; i < n; i++) { long long x; cin >> x; s += x; }\n    cout << s << "\\n";\n}\n```';
  cf.push({
    id: `${cid}/${idx}`, aliases: [`${cid}/${idx}`], contest_id: String(cid), contest_name: `Codeforces Round ${cid - 1000} (Div. 2)`,
    contest_type: 'CF', contest_start: 1700000000 + i * 86400, contest_start_year: 2023 + (i % 3), index: idx,
    time_limit: pick([1.0, 2.0, 2.5]), memory_limit: pick([256.0, 512.0]), title, description: desc,
    input_format: 'The first line contains n.', output_format: 'Print one integer.',
    examples: [{ input: '3\n1 2 3\n', output: '6\n' }, { input: '1\n5\n', output: '5\n' }],
    note: null, editorial: null, prompt,
    messages: [{ role: 'user', content: prompt }, { role: 'assistant', content: think + '\n\n' + code }],
    generation: think + '\n\n' + code, finish_reason: 'stop',
    api_metadata: { completion_tokens: int(500, 4000), prompt_tokens: int(200, 900), total_tokens: int(700, 4900) },
    interaction_format: null,
  });
}
plant(2, (j) => { cf[50 + j].messages[1].content = '<think>\n' + longText(12000) + '\n</think>\n\nDone.'; });
plant(1, () => {   // a trace the generator's length limit cut off
  const r = cf[60];
  r.finish_reason = 'length';
  r.messages[1].content = r.generation = r.messages[1].content.slice(0, r.messages[1].content.indexOf('</think>'));
});

// ---------- benchmark items in the sources (decontam drops them) ----------
// After every random draw above, so the other rows do not change.
const bench = JSON.parse(fs.readFileSync(path.join(root, 'pipelines/sample/benchmarks.json'), 'utf8'));
const lcb = [
  ['Minimum Moves to Balance', 'You are given a string s consisting of the characters L and R only. In one move you may swap two adjacent characters. A string is balanced when every prefix holds at least as many L as R characters. Return the minimum number of moves needed to make s balanced, or -1 if it cannot be done.'],
  ['Lantern Festival', 'There are n lanterns in a row, the i-th with brightness a_i. You may switch off at most k lanterns. After that, the beauty of the row is the maximum over all segments of consecutive lit lanterns of the sum of their brightness. Find the maximum beauty you can obtain for each k from 0 to n.'],
  ['Counting Good Pairs', 'Given an array nums of n positive integers, a pair of indices (i, j) with i < j is good when nums[i] * nums[j] is a perfect square. Return the number of good pairs in nums. The answer fits in a 64-bit integer.'],
].map(([title, content], i) => ({
  question_title: title, question_content: content, platform: ['leetcode', 'atcoder', 'codeforces'][i],
  question_id: String(3100 + i), contest_id: `weekly-contest-${390 + i}`, contest_date: `2024-0${i + 3}-1${i}T00:00:00`,
  starter_code: i === 0 ? 'class Solution:\n    def minMoves(self, s: str) -> int:\n        ' : '', difficulty: ['medium', 'hard', 'easy'][i],
  public_test_cases: JSON.stringify([{ input: '"LRRL"', output: '1', testtype: 'functional' }]),
  private_test_cases: 'eJyLjgUAARUAuQ==', metadata: '{}',
}));
const he0 = bench.humaneval[2], sig = he0.prompt.split('\n').find((l) => l.startsWith('def ' + he0.entry_point + '('));
Object.assign(dolci[250], { domain: 'Math', messages: [msg('user', 'Solve this and explain each step.\n\n' + bench.gsm8k_test[0].question), msg('assistant', bench.gsm8k_test[0].answer.replace(/<<[^>]*>>/g, ''))] });
Object.assign(dolci[260], { domain: 'Coding', messages: [msg('user', `Write ${he0.entry_point} in Python for me.`), msg('assistant', 'Here you go:\n\n```python\n' + sig + '\n' + he0.canonical_solution + '```')] });
Object.assign(dolci[270], { domain: 'Coding', messages: [msg('user', bench.mbpp_full_test[1].text + ' Your code should pass these tests:\n\n' + bench.mbpp_full_test[1].test_list.join('\n')), msg('assistant', '```python\n' + bench.mbpp_full_test[1].code.replace(/\r\n/g, '\n') + '\n```')] });
omTrain1M[300] = { problem: bench.math500[0].problem, generated_solution: bench.math500[0].solution, expected_answer: bench.math500[0].answer, problem_source: 'math' };
omTrain1M[301] = { problem: bench.math_algebra[1].problem.toUpperCase(), generated_solution: bench.math_algebra[1].solution, expected_answer: '1', problem_source: 'math' };
// a GSM8K train question is not a test item: it stays
omTrain1M[302] = { problem: bench.gsm8k_train[0].question, generated_solution: bench.gsm8k_train[0].answer, expected_answer: '72', problem_source: 'gsm8k' };
magic[250] = { instruction: 'Solve this programming exercise:\n' + bench.mbpp_full_test[2].text, response: '```python\n' + bench.mbpp_full_test[2].code.replace(/\r\n/g, '\n') + '\n```' };
cf[150].messages[0].content = cf[150].prompt = `You will be given a competitive programming problem.\n\n# Problem\n${lcb[1].question_content}\n\nNow solve the problem in C++17.`;

// ---------- write ----------
function writeFile(rel, data) {
  const p = path.join(hub, rel);
  fs.mkdirSync(path.dirname(p), { recursive: true });
  fs.writeFileSync(p, data);
}
fs.rmSync(hub, { recursive: true, force: true });
const tmp = fs.mkdtempSync('/tmp/sftkit-sample-');
const inst = await DuckDBInstance.create(':memory:', { threads: '1' });
const con = await inst.connect();
async function parquet(rel, rows, columns, codec = 'snappy', rowGroup = 100) {
  const j = path.join(tmp, 'rows.jsonl');
  fs.writeFileSync(j, rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
  const out = path.join(hub, rel);
  fs.mkdirSync(path.dirname(out), { recursive: true });
  const cols = Object.entries(columns).map(([k, v]) => `${JSON.stringify(k)}: '${v}'`).join(', ');
  await con.run(`COPY (SELECT * FROM read_json('${j}', format='newline_delimited', columns={${cols}})) TO '${out}' (FORMAT parquet, COMPRESSION ${codec}, ROW_GROUP_SIZE ${rowGroup})`);
}

const dolciMsg = 'STRUCT(content VARCHAR, function_calls VARCHAR, functions VARCHAR, role VARCHAR)[]';
writeFile('datasets/allenai/Dolci-Instruct-SFT/README.md', `---
license: odc-by
task_categories:
- text-generation
configs:
- config_name: default
  data_files:
  - split: train
    path: data/train-*
dataset_info:
  features:
  - name: id
    dtype: string
  - name: messages
    list:
    - name: content
      dtype: string
    - name: function_calls
      dtype: string
    - name: functions
      dtype: string
    - name: role
      dtype: string
  - name: source_dataset
    dtype: string
  - name: domain
    dtype: string
  splits:
  - name: train
    num_examples: ${dolci.length}
---

# Dolci-Instruct-SFT (sftkit sample mirror)

Synthetic rows in the real dataset's layout and schema, for offline tests.
`);
await parquet('datasets/allenai/Dolci-Instruct-SFT/data/train-00000-of-00002.parquet', dolci.slice(0, 210),
  { id: 'VARCHAR', messages: dolciMsg, domain: 'VARCHAR', source_dataset: 'VARCHAR' }, 'zstd');
await parquet('datasets/allenai/Dolci-Instruct-SFT/data/train-00001-of-00002.parquet', dolci.slice(210),
  { id: 'VARCHAR', messages: dolciMsg, domain: 'VARCHAR', source_dataset: 'VARCHAR' }, 'zstd');

const omCols = { problem: 'VARCHAR', generated_solution: 'VARCHAR', expected_answer: 'VARCHAR', problem_source: 'VARCHAR' };
writeFile('datasets/nvidia/OpenMathInstruct-2/README.md', `---
license: cc-by-4.0
configs:
- config_name: default
  data_files:
  - split: train
    path: data/train-*
  - split: train_1M
    path: data/train_1M-*
  - split: train_2M
    path: data/train_2M-*
  - split: train_5M
    path: data/train_5M-*
---

# OpenMathInstruct-2 (sftkit sample mirror)
`);
await parquet('datasets/nvidia/OpenMathInstruct-2/data/train_1M-00000-of-00001.parquet', omTrain1M, omCols);
await parquet('datasets/nvidia/OpenMathInstruct-2/data/train-00000-of-00001.parquet', mathRows(40), omCols);
await parquet('datasets/nvidia/OpenMathInstruct-2/data/train_2M-00000-of-00001.parquet', mathRows(20), omCols);
await parquet('datasets/nvidia/OpenMathInstruct-2/data/train_5M-00000-of-00001.parquet', mathRows(20), omCols);

writeFile('datasets/ise-uiuc/Magicoder-Evol-Instruct-110K/README.md', `---
license: apache-2.0
size_categories:
- 100K<n<1M
---

# Magicoder-Evol-Instruct-110K (sftkit sample mirror)
`);
writeFile('datasets/ise-uiuc/Magicoder-Evol-Instruct-110K/data-evol_instruct-decontaminated.jsonl',
  magic.map((r) => JSON.stringify(r)).join('\n') + '\n');

const cfCols = {
  id: 'VARCHAR', aliases: 'VARCHAR[]', contest_id: 'VARCHAR', contest_name: 'VARCHAR', contest_type: 'VARCHAR',
  contest_start: 'BIGINT', contest_start_year: 'BIGINT', index: 'VARCHAR', time_limit: 'DOUBLE', memory_limit: 'DOUBLE',
  title: 'VARCHAR', description: 'VARCHAR', input_format: 'VARCHAR', output_format: 'VARCHAR',
  examples: 'STRUCT(input VARCHAR, output VARCHAR)[]', note: 'VARCHAR', editorial: 'VARCHAR', prompt: 'VARCHAR',
  messages: 'STRUCT(content VARCHAR, role VARCHAR)[]', generation: 'VARCHAR', finish_reason: 'VARCHAR',
  api_metadata: 'STRUCT(completion_tokens BIGINT, prompt_tokens BIGINT, total_tokens BIGINT)', interaction_format: 'VARCHAR',
};
writeFile('datasets/open-r1/codeforces-cots/README.md', `---
license: odc-by
configs:
- config_name: solutions
  default: true
  data_files:
  - split: train
    path: solutions/train-*
- config_name: solutions_decontaminated
  data_files:
  - split: train
    path: solutions_decontaminated/train-*
---

# codeforces-cots (sftkit sample mirror)
`);
await parquet('datasets/open-r1/codeforces-cots/solutions/train-00000-of-00001.parquet', cf, cfCols, 'snappy', 64);
await parquet('datasets/open-r1/codeforces-cots/solutions_decontaminated/train-00000-of-00001.parquet', cf.slice(0, 30), cfCols);

// ---------- the benchmarks (pipelines/benchmarks.list), in their Hub layouts ----------
const cfgYaml = (cfgs) => 'configs:\n' + cfgs.map(([name, splits]) => `- config_name: ${name}\n  data_files:\n`
  + splits.map(([split, p]) => `  - split: ${split}\n    path: ${p}\n`).join('')).join('');
const card = (title, license, yaml = '') => `---\nlicense: ${license}\n${yaml}---\n\n# ${title} (sftkit sample mirror)\n\nA few real test items in the real layout and schema, for offline tests.\n`;
const S = 'VARCHAR';
writeFile('datasets/openai/openai_humaneval/README.md', card('openai_humaneval', 'mit', cfgYaml([['openai_humaneval', [['test', 'openai_humaneval/test-*']]]])));
await parquet('datasets/openai/openai_humaneval/openai_humaneval/test-00000-of-00001.parquet', bench.humaneval,
  { task_id: S, prompt: S, canonical_solution: S, test: S, entry_point: S });
writeFile('datasets/evalplus/humanevalplus/README.md', card('humanevalplus', 'apache-2.0', cfgYaml([['default', [['test', 'data/test-*']]]])));
await parquet('datasets/evalplus/humanevalplus/data/test-00000-of-00001.parquet', bench.humanevalplus,
  { task_id: S, prompt: S, canonical_solution: S, entry_point: S, test: S });
const mbFull = { task_id: 'INTEGER', text: S, code: S, test_list: 'VARCHAR[]', test_setup_code: S, challenge_test_list: 'VARCHAR[]' };
const mbSan = { source_file: S, task_id: 'INTEGER', prompt: S, code: S, test_imports: 'VARCHAR[]', test_list: 'VARCHAR[]' };
writeFile('datasets/google-research-datasets/mbpp/README.md', card('mbpp', 'cc-by-4.0', cfgYaml([
  ['full', [['train', 'full/train-*'], ['test', 'full/test-*']]], ['sanitized', [['test', 'sanitized/test-*']]]])));
await parquet('datasets/google-research-datasets/mbpp/full/test-00000-of-00001.parquet', bench.mbpp_full_test, mbFull);
await parquet('datasets/google-research-datasets/mbpp/full/train-00000-of-00001.parquet', bench.mbpp_full_train, mbFull);
await parquet('datasets/google-research-datasets/mbpp/sanitized/test-00000-of-00001.parquet', bench.mbpp_sanitized_test, mbSan);
// LiveCodeBench ships JSONL files and a loading script, no parquet
writeFile('datasets/livecodebench/code_generation_lite/README.md', card('code_generation_lite', 'cc'));
writeFile('datasets/livecodebench/code_generation_lite/code_generation_lite.py', '# the real repo\'s datasets loading script; sftkit reads the JSONL files\n');
writeFile('datasets/livecodebench/code_generation_lite/test.jsonl', lcb.slice(0, 2).map((r) => JSON.stringify(r)).join('\n') + '\n');
writeFile('datasets/livecodebench/code_generation_lite/test2.jsonl', lcb.slice(2).map((r) => JSON.stringify(r)).join('\n') + '\n');
writeFile('datasets/openai/gsm8k/README.md', card('gsm8k', 'mit', cfgYaml([['main', [['train', 'main/train-*'], ['test', 'main/test-*']]]])));
await parquet('datasets/openai/gsm8k/main/test-00000-of-00001.parquet', bench.gsm8k_test, { question: S, answer: S });
await parquet('datasets/openai/gsm8k/main/train-00000-of-00001.parquet', bench.gsm8k_train, { question: S, answer: S });
writeFile('datasets/HuggingFaceH4/MATH-500/README.md', card('MATH-500', 'mit'));
writeFile('datasets/HuggingFaceH4/MATH-500/test.jsonl', bench.math500.map((r) => JSON.stringify(r)).join('\n') + '\n');
const subjects = ['algebra', 'counting_and_probability', 'geometry', 'intermediate_algebra', 'number_theory', 'prealgebra', 'precalculus'];
writeFile('datasets/EleutherAI/hendrycks_math/README.md', card('hendrycks_math', 'mit', cfgYaml(subjects.map((c) => [c, [['test', `${c}/test-*`]]]))));
for (const c of subjects)
  await parquet(`datasets/EleutherAI/hendrycks_math/${c}/test-00000-of-00001.parquet`, bench['math_' + c], { problem: S, level: S, type: S, solution: S });
writeFile('datasets/HuggingFaceH4/aime_2024/README.md', card('aime_2024', 'mit', cfgYaml([['default', [['train', 'data/train-*']]]])));
await parquet('datasets/HuggingFaceH4/aime_2024/data/train-00000-of-00001.parquet', bench.aime24, { id: 'BIGINT', problem: S, solution: S, answer: S, url: S, year: S });
writeFile('datasets/MathArena/aime_2025/README.md', card('aime_2025', 'cc-by-nc-sa-4.0', cfgYaml([['default', [['train', 'data/train-*']]]])));
await parquet('datasets/MathArena/aime_2025/data/train-00000-of-00001.parquet', bench.aime25, { problem_idx: 'BIGINT', problem: S, answer: 'BIGINT' });
writeFile('datasets/math-ai/amc23/README.md', card('amc23', 'mit'));
await parquet('datasets/math-ai/amc23/test-00000-of-00001.parquet', bench.amc23, { id: 'BIGINT', question: S, answer: 'DOUBLE', url: S });

// The tokenizer of the default target model, gzip'd (make sample unpacks it into the served mirror).
const tokSrc = path.resolve(root, '../shared/tokenizers/qwen2_5');
const mdir = 'models/Qwen/Qwen2.5-7B-Instruct';
writeFile(mdir + '/tokenizer.json.gz', zlib.gzipSync(fs.readFileSync(path.join(tokSrc, 'tokenizer.json')), { level: 9 }));
writeFile(mdir + '/tokenizer_config.json', fs.readFileSync(path.join(tokSrc, 'tokenizer_config.json')));
writeFile(mdir + '/README.md', '---\nlicense: apache-2.0\n---\n\n# Qwen2.5-7B-Instruct (tokenizer files only, sftkit sample mirror)\n');
fs.rmSync(tmp, { recursive: true, force: true });
console.log('wrote', hub);
