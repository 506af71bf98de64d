// mockhub-client.mjs REPO PATH — the official JS client (@huggingface/hub) against
// HF_ENDPOINT: listFiles (recursive) and downloadFile; prints the listing and
// the sha256 of the download. Used by tests/cli/mockhub.sh to check the mock.
import { createRequire } from 'module';
const require = createRequire(process.env.ORACLES + '/node_modules/');
const hub = require('@huggingface/hub');
const ep = process.env.HF_ENDPOINT;
const repo = { type: 'dataset', name: process.argv[2] };
const out = [];
for await (const f of hub.listFiles({ repo, recursive: true, hubUrl: ep })) out.push(f.path + ' ' + f.type + ' ' + f.size);
console.log(out.sort().join('\n'));
const blob = await hub.downloadFile({ repo, path: process.argv[3], hubUrl: ep });
const buf = Buffer.from(await blob.arrayBuffer());
const { createHash } = await import('crypto');
console.log('sha256 ' + createHash('sha256').update(buf).digest('hex'));
