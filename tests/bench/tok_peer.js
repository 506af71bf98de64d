// tok_peer.js — the peer for bench_tok.sh: the official HF tokenizers (npm),
// Tokenizer.fromFile + encode on each line's "text", one at a time; prints the
// total token count (to compare with tok-len's) and the seconds spent encoding.
// With a third argument, also writes each line's ids there (comma-separated,
// one line per text; not timed), to compare with tok-len --ids.
const path = require('path');
const { Tokenizer } = require(path.join(process.env.ORACLES, 'node_modules', 'tokenizers'));
const fs = require('fs');
(async () => {
  const t = Tokenizer.fromFile(process.argv[2]);
  const lines = fs.readFileSync(process.argv[3], 'utf8').split('\n').filter((l) => l.length);
  const texts = lines.map((l) => JSON.parse(l).text);
  const ids = process.argv[4] ? [] : null;
  const t0 = process.hrtime.bigint();
  let total = 0;
  for (const s of texts) {
    const e = await t.encode(s, null, { addSpecialTokens: false });
    total += e.getLength();
    if (ids) ids.push(e);
  }
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  if (ids) fs.writeFileSync(process.argv[4], ids.map((e) => e.getIds().join(',') + '\n').join(''));
  console.log(total + ' ' + secs.toFixed(3));
})();
