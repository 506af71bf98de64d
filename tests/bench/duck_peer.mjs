// duck_peer.mjs — the peer for bench_parquet.sh: DuckDB (one thread) writes a
// Parquet file's rows as JSON Lines; prints the seconds. With "make N OUT",
// writes the bench's input file instead.
import { createRequire } from 'module';
const require = createRequire(process.env.ORACLES + '/node_modules/');
const { DuckDBInstance } = require('@duckdb/node-api');
const inst = await DuckDBInstance.create(':memory:', { threads: '1' });
const con = await inst.connect();
if (process.argv[2] === 'make') {
  const n = Number(process.argv[3]), out = process.argv[4];
  await con.run(`COPY (SELECT 'Compute ' || i || ' + ' || (i * 3) || '.' AS problem,
      'We add the numbers step by step: ' || repeat('so the partial sum grows; ', 12 + (i % 7)) || ' answer \\boxed{' || (4 * i) || '}' AS generated_solution,
      CAST(4 * i AS VARCHAR) AS expected_answer, ['augmented_math', 'math', 'gsm8k'][1 + i % 3] AS problem_source,
      i AS idx, i * 0.5 AS score, [{'role': 'user', 'content': 'q' || i}, {'role': 'assistant', 'content': 'a' || i}] AS messages
    FROM range(${n}) t(i)) TO '${out}' (FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 100000)`);
} else {
  const t0 = process.hrtime.bigint();
  await con.run(`COPY (SELECT * FROM read_parquet('${process.argv[2]}')) TO '${process.argv[3]}' (FORMAT json)`);
  console.log((Number(process.hrtime.bigint() - t0) / 1e9).toFixed(3));
}
