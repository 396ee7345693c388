// Prints every row of bench-results.json as one table (run by `pnpm bench` after all benchmarks).
import { formatBenchTable, readBenchRows } from './bench-results.mjs';

const rows = readBenchRows();
console.log('\ntaskweave benchmarks (ratio = sdk / baseline in the unit given)\n');
console.log(formatBenchTable(rows));
