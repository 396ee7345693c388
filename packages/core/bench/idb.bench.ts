/**
 * Durable submits per second in Chromium with real IndexedDB (issue 4):
 * 1,000 task records, each acknowledged only once durable, written through IdbTaskStore.put
 * concurrently (group commit) vs one awaited transaction per record
 * (`durable-submit-vs-tx-per-record`, goal ≥ 8×) and vs one bulk transaction of the same records
 * (`durable-submit-vs-bulk-tx`, goal ≥ 0.7×). Runs alternate between the three ways; medians of
 * BENCH_RUNS (default 7) runs. Serves bench/idb.html and drives headless Chromium with an on-disk
 * profile (browserBench.ts).
 *
 * Run: pnpm --filter @taskweave/core bench:idb
 */
// @ts-expect-error plain ESM helper shared by every benchmark
import { formatBenchTable, median, mergeBenchRows } from '../../../scripts/bench-results.mjs';
import type { Variant } from './idbPage.js';
import { chromiumExecutablePath as executablePath } from '../../../scripts/chromium.mjs';
import { openBenchPage } from './browserBench.js';

const N = Number(process.env['BENCH_RECORDS'] ?? 1000);
const RUNS = Math.max(5, Number(process.env['BENCH_RUNS'] ?? 7));

const bench = await openBenchPage('idb.html', '__idbBench');
const { page, profile } = bench;
try {
  const runOnce = (variant: Variant) => page.evaluate(([v, n]) => window.__idbBench(v, n), [variant, N] as const);

  // Warm-up (JIT, IndexedDB backing store), not counted.
  for (const v of ['group', 'bulk', 'perRecord'] as const) await runOnce(v);
  const ms: Record<Variant, number[]> = { group: [], perRecord: [], bulk: [] };
  const orders: Variant[][] = [
    ['group', 'perRecord', 'bulk'],
    ['bulk', 'group', 'perRecord'],
    ['perRecord', 'bulk', 'group'],
  ];
  let groupTx = 0;
  for (let r = 0; r < RUNS; r++) {
    for (const v of orders[r % orders.length] as Variant[]) {
      const out = await runOnce(v);
      ms[v].push(out.ms);
      if (v === 'group') groupTx = Math.max(groupTx, out.transactions);
    }
  }
  const rate = (list: number[]) => Number(((N * 1000) / median(list)).toFixed(1));
  const sdk = rate(ms.group);
  const perRecord = rate(ms.perRecord);
  const bulk = rate(ms.bulk);
  const rows = [
    { name: 'durable-submit-vs-tx-per-record', unit: 'submits/s', baseline: perRecord, sdk, ratio: Number((sdk / perRecord).toFixed(2)), goal: '>= 8', runs: RUNS },
    { name: 'durable-submit-vs-bulk-tx', unit: 'submits/s', baseline: bulk, sdk, ratio: Number((sdk / bulk).toFixed(3)), goal: '>= 0.7', runs: RUNS },
  ];
  mergeBenchRows(rows);
  console.log(`\n${N} durable task records in Chromium (${executablePath ?? 'playwright chromium'}, on-disk profile ${profile}), ${RUNS} alternating runs, medians`);
  console.log(`group commit used at most ${groupTx} transaction(s) for ${N} concurrent puts`);
  console.log(`ms per run: group ${ms.group.map((x) => x.toFixed(0)).join(' ')} | per-record ${ms.perRecord.map((x) => x.toFixed(0)).join(' ')} | bulk ${ms.bulk.map((x) => x.toFixed(0)).join(' ')}`);
  console.log(formatBenchTable(rows));
} finally {
  await bench.close();
}
