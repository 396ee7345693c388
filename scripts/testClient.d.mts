export interface Reply {
  status: number;
  body: any;
  headers: Headers;
}
export interface TestClient {
  call(method: string, path: string, body?: unknown, extra?: Record<string, string>): Promise<Reply>;
  submit(task: unknown): Promise<Reply>;
  get(id: string, query?: string): Promise<Reply>;
  cancel(id: string): Promise<Reply>;
  /** Long-polls until the task ends; a 503 is retried after its Retry-After. */
  wait(id: string, query?: string): Promise<Reply>;
}
/** A client of the API at `base`, with `token` as its bearer (none when '') and `origin` as the request's Origin when given. */
export declare function client(base: string, token: string, origin?: string): TestClient;
/** Runs `fn` over `items` with at most `limit` at a time; the results in `items`' order. */
export declare function pool<T, R>(items: readonly T[], limit: number, fn: (item: T, i: number) => Promise<R>): Promise<R[]>;
