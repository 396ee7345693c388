/**
 * The worker process's embedding batcher against a made-up model call that records what each call
 * got: who shares a call, in what order texts come back, and who fails when a shared call fails.
 * (With the real model and worker processes: embeddings.test.ts.)
 */
import { describe, expect, it } from 'vitest';
import { EmbeddingBatcher, type EmbedCallResult } from '../src/handlers/embeddingBatcher.js';

function deferred() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { open, opened };
}

/** A model call whose vector of a text is [its length, its first char code]; texts with 'BAD' make the call throw. */
function fakeModel() {
  const calls: string[][] = [];
  let gate: Promise<void> = Promise.resolve();
  const call = async (_pipe: 'pipe', texts: string[]): Promise<EmbedCallResult> => {
    calls.push(texts);
    await gate;
    if (texts.some((t) => t.includes('BAD'))) throw new Error('the model refused BAD');
    return { vectors: texts.map((t) => Float32Array.of(t.length, t.charCodeAt(0))), truncated: texts.map((t) => t.length > 10), tokens: texts.map((t) => t.length), dims: 2 };
  };
  return { calls, call, hold: (until: Promise<void>) => (gate = until) };
}

const never = new AbortController().signal;
const firstValues = (r: EmbedCallResult) => r.vectors.map((v) => [v[0], v[1]]);

describe('EmbeddingBatcher', () => {
  it('runs a lone job at once, and jobs that arrive while it runs share the next call, each answered its own texts in order', async () => {
    const model = fakeModel();
    const gate = deferred();
    model.hold(gate.opened);
    const batcher = new EmbeddingBatcher(model.call);
    const first = batcher.embed('m|q8', 'pipe', ['alone'], never);
    const a = batcher.embed('m|q8', 'pipe', ['a much longer text', 'b'], never);
    const b = batcher.embed('m|q8', 'pipe', ['cc'], never);
    gate.open();
    const [r0, ra, rb] = await Promise.all([first, a, b]);
    expect(model.calls).toEqual([['alone'], ['b', 'cc', 'a much longer text']]);
    expect(r0.batchSize).toBe(1);
    expect([ra.batchSize, rb.batchSize]).toEqual([2, 2]);
    expect(firstValues(ra)).toEqual([[18, 97], [1, 98]]);
    expect(ra.truncated).toEqual([true, false]);
    expect(ra.tokens).toEqual([18, 1]);
    expect(firstValues(rb)).toEqual([[2, 99]]);
  });

  it('keeps models apart, stops a group at maxTexts, and cuts a group into calls of callBatch texts, shortest first', async () => {
    const model = fakeModel();
    const gate = deferred();
    model.hold(gate.opened);
    const batcher = new EmbeddingBatcher(model.call, { maxTexts: 4, callBatch: 2 });
    const busy = batcher.embed('m|q8', 'pipe', ['x'], never);
    const jobs = [
      batcher.embed('m|q8', 'pipe', ['dddd', 'a'], never),
      batcher.embed('other|fp32', 'pipe', ['zz'], never),
      batcher.embed('m|q8', 'pipe', ['ccc', 'bb'], never),
      batcher.embed('m|q8', 'pipe', ['eeeee'], never),
    ];
    gate.open();
    await Promise.all([busy, ...jobs]);
    expect(model.calls).toEqual([['x'], ['a', 'bb'], ['ccc', 'dddd'], ['zz'], ['eeeee']]);
    expect((await jobs[0]!).batchSize).toBe(2);
    expect(firstValues(await jobs[0]!)).toEqual([[4, 100], [1, 97]]);
  });

  it('runs each job of a failed shared call alone: only the job the model refused fails', async () => {
    const model = fakeModel();
    const gate = deferred();
    model.hold(gate.opened);
    const batcher = new EmbeddingBatcher(model.call);
    const busy = batcher.embed('m|q8', 'pipe', ['x'], never);
    const good = batcher.embed('m|q8', 'pipe', ['fine'], never);
    const bad = batcher.embed('m|q8', 'pipe', ['BAD input'], never).then(() => 'embedded', (e: Error) => e.message);
    gate.open();
    await busy;
    expect(await bad).toBe('the model refused BAD');
    expect(firstValues(await good)).toEqual([[4, 102]]);
    expect((await good).batchSize).toBe(1);
    expect(model.calls).toEqual([['x'], ['fine', 'BAD input'], ['fine'], ['BAD input']]);
  });

  it('drops a waiting job whose signal aborted: its texts reach no call', async () => {
    const model = fakeModel();
    const gate = deferred();
    model.hold(gate.opened);
    const batcher = new EmbeddingBatcher(model.call);
    const busy = batcher.embed('m|q8', 'pipe', ['x'], never);
    const cancel = new AbortController();
    void batcher.embed('m|q8', 'pipe', ['cancelled'], cancel.signal);
    const kept = batcher.embed('m|q8', 'pipe', ['kept'], never);
    cancel.abort();
    gate.open();
    await Promise.all([busy, kept]);
    expect(model.calls).toEqual([['x'], ['kept']]);
  });

  it('runs every call through exclusive (one inference at a time per process)', async () => {
    const model = fakeModel();
    let inside = 0;
    let most = 0;
    const batcher = new EmbeddingBatcher(model.call, {
      callBatch: 1,
      exclusive: async (run) => {
        most = Math.max(most, ++inside);
        try {
          return await run();
        } finally {
          inside--;
        }
      },
    });
    await Promise.all([batcher.embed('m|q8', 'pipe', ['a', 'bb', 'ccc'], never), batcher.embed('n|q8', 'pipe', ['d'], never)]);
    expect(model.calls).toEqual([['a'], ['bb'], ['ccc'], ['d']]);
    expect(most).toBe(1);
  });
});
