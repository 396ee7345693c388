/**
 * A small client of `@taskweave/server`'s HTTP API for tests and benchmarks, and a bounded
 * `Promise.all`. Here, beside testFleet.mjs, because two packages drive that API from Node: the
 * server's tests and benchmark, and web-worker's remote-embed bench (which warms the workers).
 */

/**
 * @typedef {object} Reply
 * @property {number} status
 * @property {any} body the parsed JSON body, or undefined when empty
 * @property {Headers} headers
 */

/**
 * A client of the API at `base`, with `token` as its bearer (none when '') and `origin` as the
 * request's Origin when given.
 * @example
 * const http = client(apiUrl, 'dev-key')
 * const { body } = await http.submit({ type: 'EmbeddingGeneration', modelId: 'use-lite', input: { kind: 'text', text } })
 * await http.wait(body.id)
 * @param {string} base @param {string} token @param {string} [origin]
 */
export function client(base, token, origin) {
  /** @param {Record<string, string>} [extra] */
  const headers = (extra = {}) => ({
    'content-type': 'application/json',
    ...(token === '' ? {} : { authorization: `Bearer ${token}` }),
    ...(origin === undefined ? {} : { origin }),
    ...extra,
  });
  /**
   * @param {string} method @param {string} path @param {unknown} [body] @param {Record<string, string>} [extra]
   * @returns {Promise<Reply>}
   */
  const call = async (method, path, body, extra) => {
    const res = await fetch(base + path, { method, headers: headers(extra), ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }) });
    const text = await res.text();
    return { status: res.status, body: text === '' ? undefined : JSON.parse(text), headers: res.headers };
  };
  return {
    call,
    /** @param {unknown} task */
    submit: (task) => call('POST', '/v1/tasks', task),
    /** @param {string} id @param {string} [query] */
    get: (id, query = '') => call('GET', `/v1/tasks/${id}${query}`),
    /** @param {string} id */
    cancel: (id) => call('POST', `/v1/tasks/${id}/cancel`),
    /**
     * Long-polls until the task ends; a 503 (Redis unreachable) is retried after its Retry-After, as a client should.
     * @param {string} id @param {string} [query]
     * @returns {Promise<Reply>}
     */
    async wait(id, query = '') {
      for (;;) {
        const r = await call('GET', `/v1/tasks/${id}/wait?timeoutMs=10000${query === '' ? '' : `&${query}`}`);
        if (r.status === 503) {
          await new Promise((resolve) => setTimeout(resolve, Number(r.headers.get('retry-after') ?? 1) * 100));
          continue;
        }
        if (r.status !== 200 || r.body.result !== undefined) return r;
      }
    },
  };
}

/**
 * Runs `fn` over `items` with at most `limit` at a time; the results in `items`' order.
 * @example await pool(texts, 64, (text) => embed(text))
 * @template T, R
 * @param {readonly T[]} items @param {number} limit @param {(item: T, i: number) => Promise<R>} fn
 * @returns {Promise<R[]>}
 */
export async function pool(items, limit, fn) {
  /** @type {R[]} */
  const out = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(/** @type {T} */ (items[i]), i);
      }
    }),
  );
  return out;
}
