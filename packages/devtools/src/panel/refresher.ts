/**
 * Event-driven, throttled reads: events mark the panel stale (`request()`), and a read runs at most
 * once per `intervalMs`, never two at once (a request during a read runs one more after it).
 * `stop()` clears its timer: a closed panel holds none.
 */
export class Refresher {
  readonly #run: () => Promise<void>;
  readonly #intervalMs: number;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #running = false;
  #again = false;
  #last = -Infinity;
  #stopped = false;

  constructor(run: () => Promise<void>, intervalMs: number) {
    this.#run = run;
    this.#intervalMs = intervalMs;
  }

  /** Reads soon: at once when the last read was long enough ago, else when it will have been. */
  request(): void {
    if (this.#stopped) return;
    if (this.#running) {
      this.#again = true;
      return;
    }
    if (this.#timer !== undefined) return;
    const wait = Math.max(0, this.#last + this.#intervalMs - performance.now());
    this.#timer = setTimeout(() => void this.#tick(), wait);
  }

  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  async #tick(): Promise<void> {
    this.#timer = undefined;
    if (this.#stopped) return;
    this.#running = true;
    this.#last = performance.now();
    try {
      await this.#run();
    } finally {
      this.#running = false;
      if (this.#again) {
        this.#again = false;
        this.request();
      }
    }
  }
}
