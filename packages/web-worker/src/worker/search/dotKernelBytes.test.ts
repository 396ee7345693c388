/**
 * The checked-in kernel bytes are the checked-in .wat's: assembled here with wabt (as
 * `pnpm build:kernel` does), byte for byte. An edit of dotKernel.wat without running that command
 * again (or a hand edit of dotKernelBytes.ts) fails here.
 */
import { describe, expect, it } from 'vitest';
import { assembleDotKernel } from '../../../scripts/assembleDotKernel.mjs';
import wat from './dotKernel.wat?raw';
import { dotKernelBytes, dotKernelSharedBytes } from './dotKernelBytes.js';

describe('dotKernelBytes.ts', () => {
  it('holds the bytes wabt assembles from dotKernel.wat, for a private and a shared memory', async () => {
    const assembled = await assembleDotKernel(wat);
    expect([...dotKernelBytes]).toEqual([...assembled.private]);
    expect([...dotKernelSharedBytes]).toEqual([...assembled.shared]);
  });

  it('exports dots over env.mem, the shared variant importing a shared memory', () => {
    for (const [bytes, shared] of [[dotKernelBytes, false], [dotKernelSharedBytes, true]] as const) {
      const module = new WebAssembly.Module(bytes);
      expect(WebAssembly.Module.exports(module)).toEqual([{ name: 'dots', kind: 'function' }]);
      expect(WebAssembly.Module.imports(module)).toEqual([{ module: 'env', name: 'mem', kind: 'memory' }]);
      const memory = new WebAssembly.Memory({ initial: 1, maximum: 1, shared });
      expect(() => new WebAssembly.Instance(module, { env: { mem: memory } })).not.toThrow();
      const other = new WebAssembly.Memory({ initial: 1, maximum: 1, shared: !shared });
      expect(() => new WebAssembly.Instance(module, { env: { mem: other } })).toThrow();
    }
  });

  it('fails to match once the .wat changes', async () => {
    const edited = wat.replace('(i32.const 32)', '(i32.const 48)');
    expect(edited).not.toBe(wat);
    const assembled = await assembleDotKernel(edited);
    expect([...assembled.private]).not.toEqual([...dotKernelBytes]);
  });
});
