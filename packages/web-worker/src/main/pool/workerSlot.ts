/**
 * One worker of the pool and everything that can end it: an `error` event (a throw outside a
 * handler), `self.close()` (reported on a control port before the worker goes), the worker going
 * away by any other way (a Web Lock the worker holds for life is granted to the pool), a
 * `messageerror`, a heartbeat that goes unanswered, a failed start, or the pool terminating it. Every call to the
 * worker races the worker's death, so no promise is left hanging when comlink would leave it so.
 */
import * as Comlink from 'comlink';
import { deserializeError, type TaskweaveError } from '@taskweave/core';
import type { ModelEnvOptions } from '../../shared/modelEnvOptions.js';
import type { ControlMessage, WorkerApi, WorkerHello } from '../../shared/protocol.js';
import type { WorkerEndReason, WorkerState } from './workerState.js';
import { connectCollectionRegistry, type RegistryConnection } from './collectionRegistry.js';

export type { WorkerEndReason, WorkerState };

/** Thrown by `WorkerSlot.call` when the worker ended before answering. */
export class WorkerEndedSignal extends Error {
  override name = 'WorkerEndedSignal';
  constructor(
    readonly reason: WorkerEndReason,
    message: string,
  ) {
    super(message);
  }
}

/** Options a slot needs from the pool. */
export interface WorkerSlotOptions {
  index: number;
  id: number;
  create: () => Worker;
  maxModels: number;
  modelEnv: ModelEnvOptions;
  database: string;
  heartbeatMs: number;
  unresponsiveMs: number;
  startTimeoutMs: number;
  onEnd: (slot: WorkerSlot, reason: WorkerEndReason, message: string) => void;
  onUnhandledRejection: (slot: WorkerSlot, error: TaskweaveError) => void;
}

/** One pooled worker: its lifecycle, its heartbeat and its comlink remote. */
export class WorkerSlot {
  readonly index: number;
  readonly id: number;
  state: WorkerState = 'starting';
  /** Models loaded in the worker, least recently used first (as last reported). */
  models: string[] = [];
  /** Backend the last task reported. */
  backend: string | undefined;
  jobsDone = 0;
  /** WebAssembly memory the worker last reported holding (0 until it reports). */
  wasmMemoryBytes = 0;
  hello: WorkerHello | undefined;

  readonly #options: WorkerSlotOptions;
  readonly #worker: Worker;
  readonly #api: Comlink.Remote<WorkerApi>;
  readonly #control: MessagePort;
  readonly #ended: Promise<never>;
  #rejectEnded!: (signal: WorkerEndedSignal) => void;
  #heartbeat: ReturnType<typeof setInterval> | undefined;
  #pingSince: number | undefined;

  constructor(options: WorkerSlotOptions) {
    this.#options = options;
    this.index = options.index;
    this.id = options.id;
    this.#ended = new Promise<never>((_, reject) => {
      this.#rejectEnded = reject;
    });
    // Calls that lose the race must not surface as unhandled rejections.
    this.#ended.catch(() => undefined);
    this.#worker = options.create();
    this.#worker.addEventListener('error', (event) => {
      event.preventDefault();
      const where = event.filename ? ` (${event.filename}:${event.lineno})` : '';
      const message = event.message || 'the worker failed to load or threw an uncaught error';
      this.end(this.state === 'starting' ? 'start-failed' : 'error', `${message}${where}`);
    });
    this.#worker.addEventListener('messageerror', () => this.end('messageerror', 'a message from the worker could not be deserialised'));
    const channel = new MessageChannel();
    this.#control = channel.port1;
    this.#control.onmessage = (event: MessageEvent<ControlMessage>) => {
      const message = event.data;
      if (message.type === 'closing') this.end('closed', 'the worker closed itself (self.close())');
      else if (message.type === 'unhandled-rejection') options.onUnhandledRejection(this, deserializeError(message.error));
    };
    this.#api = Comlink.wrap<WorkerApi>(this.#worker);
    this.#initPort = channel.port2;
  }

  readonly #initPort: MessagePort;
  /** This worker's connection to the page's shared collection snapshots. */
  #collections: RegistryConnection | undefined;

  /** Starts the worker; resolves once it answered `init`, rejects (and ends the slot) otherwise. */
  async start(): Promise<WorkerHello> {
    const timeout = setTimeout(
      () => this.end('start-failed', `the worker did not start within ${this.#options.startTimeoutMs} ms`),
      this.#options.startTimeoutMs,
    );
    const locks = (globalThis.navigator as (Navigator & { locks?: LockManager }) | undefined)?.locks;
    const lifeLock = locks === undefined ? undefined : `taskweave-worker-${crypto.randomUUID()}`;
    try {
      this.#collections = connectCollectionRegistry();
      const collections = this.#collections?.port;
      const init = {
        index: this.index,
        maxModels: this.#options.maxModels,
        modelEnv: this.#options.modelEnv,
        database: this.#options.database,
        control: this.#initPort,
        ...(lifeLock === undefined ? {} : { lifeLock }),
        ...(collections === undefined ? {} : { collections }),
      };
      const ports = collections === undefined ? [this.#initPort] : [this.#initPort, collections];
      const hello = await this.call((api) => api.init(Comlink.transfer(init, ports)));
      this.hello = hello;
      if (this.state === 'starting') this.state = 'idle';
      if (locks !== undefined && lifeLock !== undefined) {
        // Granted only once the worker released it, i.e. is gone.
        locks
          .request(lifeLock, () => this.end('gone', 'the worker is gone (terminated or crashed)'))
          .catch(() => undefined);
      }
      this.#startHeartbeat();
      return hello;
    } finally {
      clearTimeout(timeout);
    }
  }

  /** Calls the worker; rejects with `WorkerEndedSignal` if the worker ends before it answers. */
  call<T>(fn: (api: Comlink.Remote<WorkerApi>) => Promise<T>): Promise<T> {
    if (this.state === 'dead') return this.#ended;
    let pending: Promise<T>;
    try {
      pending = fn(this.#api);
    } catch (error) {
      return Promise.reject(error);
    }
    return Promise.race([pending, this.#ended]);
  }

  /** Posts without waiting for an answer (abort). */
  send(fn: (api: Comlink.Remote<WorkerApi>) => Promise<unknown>): void {
    this.call(fn).catch(() => undefined);
  }

  /** Ends the worker for good (idempotent): terminate, stop the heartbeat, settle every call. */
  end(reason: WorkerEndReason, message: string): void {
    if (this.state === 'dead') return;
    this.state = 'dead';
    if (this.#heartbeat !== undefined) clearInterval(this.#heartbeat);
    this.#heartbeat = undefined;
    this.#control.onmessage = null;
    this.#control.close();
    this.#collections?.close();
    this.#worker.terminate();
    this.#rejectEnded(new WorkerEndedSignal(reason, message));
    this.#options.onEnd(this, reason, message);
  }

  #startHeartbeat(): void {
    const { heartbeatMs, unresponsiveMs } = this.#options;
    if (!(heartbeatMs > 0) || !Number.isFinite(unresponsiveMs)) return;
    this.#heartbeat = setInterval(() => {
      if (this.state === 'dead') return;
      const now = performance.now();
      if (this.#pingSince !== undefined) {
        if (now - this.#pingSince > unresponsiveMs) {
          this.end('unresponsive', `the worker did not answer a heartbeat for ${unresponsiveMs} ms`);
        }
        return;
      }
      this.#pingSince = now;
      this.call((api) => api.ping()).then(
        () => {
          this.#pingSince = undefined;
        },
        () => undefined,
      );
    }, heartbeatMs);
  }
}
