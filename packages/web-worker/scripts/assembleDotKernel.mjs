/**
 * Assembles src/worker/search/dotKernel.wat with wabt, at dev time only: used by
 * buildDotKernel.mjs (which writes the bytes into dotKernelBytes.ts) and by
 * dotKernelBytes.test.ts (which checks that the checked-in bytes are the .wat's). Nothing shipped
 * imports wabt.
 */
import wabtModule from 'wabt';

/** The memory import as written in the .wat: a private memory. */
export const PRIVATE_MEMORY_IMPORT = '(import "env" "mem" (memory 0))';
/** The same import for the shared-memory variant: flags shared, a maximum (required), any size up to 4 GiB. */
export const SHARED_MEMORY_IMPORT = '(import "env" "mem" (memory 0 65536 shared))';

/**
 * The kernel's module bytes for a private and for a shared memory, from the .wat's text.
 * @param {string} wat
 * @returns {Promise<{ private: Uint8Array<ArrayBuffer>, shared: Uint8Array<ArrayBuffer> }>}
 */
export async function assembleDotKernel(wat) {
  const occurrences = wat.split(PRIVATE_MEMORY_IMPORT).length - 1;
  if (occurrences !== 1) {
    throw new Error(`dotKernel.wat must contain ${PRIVATE_MEMORY_IMPORT} exactly once (found ${occurrences})`);
  }
  const wabt = await wabtModule();
  const features = { simd: true, threads: true };
  /** @param {string} text */
  const assemble = (text) => {
    const module = wabt.parseWat('dotKernel.wat', text, features);
    try {
      module.resolveNames();
      // @ts-expect-error wabt 1.0.39's index.d.ts omits validate's features argument; without it, shared memories fail
      module.validate(features);
      return new Uint8Array(module.toBinary({}).buffer);
    } finally {
      module.destroy();
    }
  };
  return { private: assemble(wat), shared: assemble(wat.replace(PRIVATE_MEMORY_IMPORT, SHARED_MEMORY_IMPORT)) };
}
