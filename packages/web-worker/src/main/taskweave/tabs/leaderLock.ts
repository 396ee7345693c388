/**
 * Leadership among the tabs of one origin: the Web Lock `taskweave:<name>:leader`, and a
 * takeover that is all or nothing. The lock is held while `takeOver` runs; if it throws (the
 * store cannot be read, the pool cannot start), the tab has closed what it opened, the lock is
 * released for the next tab in line, the failure is reported once per streak, and the tab asks
 * again after a backoff (doubling up to a cap). So a tab either leads with a working scheduler,
 * or follows holding nothing.
 */

/** Options of `LeaderLock`. */
export interface LeaderLockOptions {
  /** The Web Lock's name. */
  lockName: string;
  /**
   * Becomes the leader: resolves once this tab runs tasks, or throws after closing whatever it
   * opened. Runs while the lock is held.
   */
  takeOver(): Promise<void>;
  /** A takeover failed; `first` is true for the first failure since the last success. */
  onFailure(error: unknown, first: boolean, retryInMs: number): void;
  /** First wait before asking again after a failed takeover. @default 1000 */
  backoffMs?: number;
  /** Longest wait between attempts. @default 30000 */
  maxBackoffMs?: number;
}

/**
 * @example
 * const lock = new LeaderLock({ lockName: 'taskweave:app:leader', takeOver, onFailure })
 * const leading = await lock.start() // false: following, in line for the lock
 */
export class LeaderLock {
  readonly #options: LeaderLockOptions;
  readonly #abort = new AbortController();
  #release: (() => void) | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #failures = 0;
  #stopped = false;

  constructor(options: LeaderLockOptions) {
    this.#options = options;
  }

  /** Takes the lead now if nobody has it (resolving `true` once the takeover succeeded), else queues for it. */
  start(): Promise<boolean> {
    if (typeof navigator === 'undefined' || navigator.locks === undefined) return this.#withoutLocks();
    return new Promise<boolean>((resolve) => {
      navigator.locks
        .request(this.#options.lockName, { ifAvailable: true }, async (lock) => {
          if (lock === null) {
            resolve(false);
            this.#queue();
            return;
          }
          const ok = await this.#attempt();
          resolve(ok);
          if (ok) await this.#hold();
          else this.#retryLater();
        })
        .catch((error: unknown) => {
          resolve(false);
          this.#lockFailed(error);
        });
    });
  }

  /** Stops asking for the lock (pending request and backoff timer); a held lock stays held until `release()`. */
  stop(): void {
    this.#stopped = true;
    this.#abort.abort();
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  /** Lets a held lock go (after `stop()`, so it is not asked for again). */
  release(): void {
    this.#release?.();
    this.#release = undefined;
  }

  #queue(): void {
    if (this.#stopped) return;
    navigator.locks
      .request(this.#options.lockName, { signal: this.#abort.signal }, async () => {
        if (await this.#attempt()) await this.#hold();
        else this.#retryLater();
      })
      .catch((error: unknown) => this.#lockFailed(error));
  }

  /** One takeover; false when it failed (reported) or the tab stopped meanwhile. */
  async #attempt(): Promise<boolean> {
    if (this.#stopped) return false;
    try {
      await this.#options.takeOver();
      this.#failures = 0;
      return true;
    } catch (error) {
      if (this.#stopped) return false;
      this.#failures++;
      this.#options.onFailure(error, this.#failures === 1, this.#delay());
      return false;
    }
  }

  #delay(): number {
    const base = this.#options.backoffMs ?? 1000;
    return Math.min(this.#options.maxBackoffMs ?? 30_000, base * 2 ** Math.max(0, this.#failures - 1));
  }

  #retryLater(): void {
    if (this.#stopped) return;
    // Back in line after a pause; the lock was let go when the callback returned.
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#queue();
    }, this.#delay());
  }

  #hold(): Promise<void> {
    // A stop() that came while the lock was being granted has nothing to release: let it go now.
    if (this.#stopped) return Promise.resolve();
    return new Promise<void>((resolve) => (this.#release = resolve));
  }

  #lockFailed(error: unknown): void {
    if (this.#stopped) return; // the request was aborted by stop()
    this.#failures++;
    this.#options.onFailure(error, this.#failures === 1, this.#delay());
    this.#retryLater();
  }

  /** No Web Locks (a context without them): this tab is the only runner, retried on failure. */
  async #withoutLocks(): Promise<boolean> {
    if (await this.#attempt()) return true;
    const again = (): void => {
      if (this.#stopped) return;
      this.#timer = setTimeout(() => void this.#attempt().then((ok) => ok || again()), this.#delay());
    };
    again();
    return false;
  }
}
