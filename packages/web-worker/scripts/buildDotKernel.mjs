/**
 * `pnpm build:kernel` (in packages/web-worker): assembles src/worker/search/dotKernel.wat with
 * wabt and writes its bytes into src/worker/search/dotKernelBytes.ts, which the runtime imports
 * (no wabt, no fetch, no build step at run time). Run it after editing the .wat and commit both;
 * dotKernelBytes.test.ts fails while they differ.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { assembleDotKernel } from './assembleDotKernel.mjs';

const search = new URL('../src/worker/search/', import.meta.url);
const wat = readFileSync(new URL('dotKernel.wat', search), 'utf8');
const bytes = await assembleDotKernel(wat);

/** @param {Uint8Array} b */
const literal = (b) => {
  const lines = [];
  for (let i = 0; i < b.length; i += 16) {
    lines.push('  ' + [...b.subarray(i, i + 16)].map((x) => `0x${x.toString(16).padStart(2, '0')},`).join(' '));
  }
  return `new Uint8Array([\n${lines.join('\n')}\n])`;
};

const out = `// Generated from dotKernel.wat by \`pnpm --filter @taskweave/web-worker build:kernel\`
// (scripts/buildDotKernel.mjs, wabt). Do not edit: edit the .wat and run that command again.

/** The dot kernel's module, importing a private memory as \`env.mem\`. */
export const dotKernelBytes: Uint8Array<ArrayBuffer> = ${literal(bytes.private)};

/** The same module importing a shared memory (\`(memory 0 65536 shared)\`) as \`env.mem\`. */
export const dotKernelSharedBytes: Uint8Array<ArrayBuffer> = ${literal(bytes.shared)};
`;
const target = new URL('dotKernelBytes.ts', search);
writeFileSync(target, out);
console.log(`wrote ${fileURLToPath(target)} (${bytes.private.length} and ${bytes.shared.length} bytes)`);
