/**
 * How much WebAssembly memory this worker holds: the linear memories of every module it
 * instantiated (onnxruntime-web's, the vector index's). A WebAssembly memory only grows, so this
 * is what the pool's `recycle.wasmMemoryBytes` budget is checked against, and its growth during a
 * task is what `metrics.memoryBytes` counts.
 *
 * ORT creates its memory inside its module (exported) or, when threaded, with
 * `new WebAssembly.Memory({ shared: true })`; neither is reachable through its API. So the worker
 * notes every memory it sees: memories made with the constructor, and memories a module exports
 * when it is instantiated. Installed once, before any module loads (the runtime's import).
 */

const memories: WeakRef<WebAssembly.Memory>[] = [];
const seen = new WeakSet<WebAssembly.Memory>();
let installed = false;

function note(memory: unknown): void {
  if (!(memory instanceof WebAssembly.Memory) || seen.has(memory)) return;
  seen.add(memory);
  memories.push(new WeakRef(memory));
}

function noteExports(instance: WebAssembly.Instance): void {
  for (const value of Object.values(instance.exports)) note(value);
}

function fromResult(result: WebAssembly.WebAssemblyInstantiatedSource | WebAssembly.Instance): void {
  noteExports('instance' in result ? result.instance : result);
}

/** Starts noting WebAssembly memories (idempotent). */
export function trackWasmMemory(): void {
  if (installed || typeof WebAssembly === 'undefined') return;
  installed = true;
  const wasm = WebAssembly as typeof WebAssembly & Record<string, unknown>;
  const NativeMemory = WebAssembly.Memory;
  const TrackedMemory = function (this: unknown, descriptor: WebAssembly.MemoryDescriptor) {
    const memory = new NativeMemory(descriptor);
    note(memory);
    return memory;
  } as unknown as typeof WebAssembly.Memory;
  TrackedMemory.prototype = NativeMemory.prototype;
  wasm['Memory'] = TrackedMemory;
  const instantiate = WebAssembly.instantiate.bind(WebAssembly);
  wasm['instantiate'] = ((source: BufferSource | WebAssembly.Module, imports?: WebAssembly.Imports) =>
    (instantiate as (s: unknown, i?: unknown) => Promise<WebAssembly.WebAssemblyInstantiatedSource | WebAssembly.Instance>)(source, imports).then((result) => {
      fromResult(result);
      return result;
    })) as typeof WebAssembly.instantiate;
  if (typeof WebAssembly.instantiateStreaming === 'function') {
    const streaming = WebAssembly.instantiateStreaming.bind(WebAssembly);
    wasm['instantiateStreaming'] = ((source: Response | PromiseLike<Response>, imports?: WebAssembly.Imports) =>
      streaming(source, imports).then((result) => {
        fromResult(result);
        return result;
      })) as typeof WebAssembly.instantiateStreaming;
  }
  const NativeInstance = WebAssembly.Instance;
  const TrackedInstance = function (this: unknown, module: WebAssembly.Module, imports?: WebAssembly.Imports) {
    const instance = new NativeInstance(module, imports);
    noteExports(instance);
    return instance;
  } as unknown as typeof WebAssembly.Instance;
  TrackedInstance.prototype = NativeInstance.prototype;
  wasm['Instance'] = TrackedInstance;
}

/** Bytes of the WebAssembly memories this worker holds now. */
export function wasmMemoryBytes(): number {
  let total = 0;
  for (let i = memories.length - 1; i >= 0; i--) {
    const memory = (memories[i] as WeakRef<WebAssembly.Memory>).deref();
    if (memory === undefined) {
      memories.splice(i, 1);
      continue;
    }
    total += memory.buffer.byteLength;
  }
  return total;
}
