/**
 * One tab's side of streamed outputs: the chunks it holds (`TaskStreams`), fed by its own
 * scheduler while it leads and by the leader's relay while it follows, and `stream(id)` /
 * `progress(id)` over them. `createTaskweave` hands it the scheduler's events, the tab messages
 * about streams and progress, and the role changes.
 */
import { TaskweaveError, type SchedulerEvent, type TaskId, type TaskProgress, type TaskScheduler, type TaskState } from '@taskweave/core';
import { FollowerRelay, LeaderRelay } from '../tabs/streamRelay.js';
import type { TabMessage } from '../tabs/tabMessages.js';
import type { TaskweaveEvent, TaskweaveListener } from '../tabs/taskweaveEvent.js';
import { TaskStreams, type StreamLookup } from './taskStreams.js';
import { taskProgress } from './taskProgress.js';

export interface StreamHubDeps {
  name: string;
  tabId: string;
  gcTimeMs: number;
  post(message: TabMessage): void;
  emit(event: TaskweaveEvent): void;
  subscribe(listener: TaskweaveListener): () => void;
  get(id: TaskId): Promise<TaskState | undefined>;
  /** This tab's scheduler while it leads. */
  scheduler(): TaskScheduler | undefined;
}

export class StreamHub {
  readonly #deps: StreamHubDeps;
  readonly #streams: TaskStreams;
  #leader: LeaderRelay | undefined;
  #follower: FollowerRelay | undefined;

  constructor(deps: StreamHubDeps) {
    this.#deps = deps;
    this.#streams = new TaskStreams(deps.gcTimeMs);
  }

  /** This tab took the lead: it relays to the others, and streams its scheduler does not run have ended. */
  lead(scheduler: TaskScheduler): void {
    this.#leader = new LeaderRelay(this.#deps.name, this.#streams, this.#deps.post);
    for (const taskId of this.#follower?.open() ?? []) if (!scheduler.holds(taskId)) this.#streams.end(taskId);
    this.#follower?.close();
    this.#follower = undefined;
  }

  /** The leader's scheduler events that concern streams and progress. */
  onSchedulerEvent(event: SchedulerEvent): void {
    switch (event.type) {
      case 'status':
        if (event.result !== undefined) {
          this.#streams.end(event.taskId);
          this.#leader?.ended(event.taskId);
        }
        return;
      case 'chunk':
        this.#streams.put(event.taskId, event.index, [event.chunk]);
        this.#leader?.changed(event.taskId);
        return;
      case 'progress': {
        // A checkpoint's progress reaches every tab through the store's feed.
        if (event.checkpoint === true) return;
        const progress: TaskProgress = { done: event.done, ...optionalProgress(event) };
        this.#deps.emit({ type: 'progress', taskId: event.taskId, ...progress });
        this.#leader?.progress(event.taskId, progress);
        return;
      }
      default:
    }
  }

  /** Tab messages about streams and progress (`following`: this tab does not lead). */
  onMessage(message: TabMessage, following: boolean): void {
    switch (message.type) {
      case 'leader':
        this.#follower?.askAgain();
        return;
      case 'progress':
        if (following) this.#deps.emit(message);
        return;
      case 'stream':
        if (this.#leader !== undefined) {
          const { taskId, tabId, from } = message;
          void this.#lookup(taskId).then(
            (state) => this.#leader?.watch(taskId, tabId, from, state),
            () => this.#leader?.watch(taskId, tabId, from, 'running'),
          );
        }
        return;
      default:
    }
  }

  stream<C>(id: TaskId): AsyncIterable<C> {
    const lookup = async (): Promise<StreamLookup> => {
      const found = await this.#lookup(id);
      if (found === 'unknown' || this.#deps.scheduler() !== undefined) return found;
      // A follower asks the leader, which may still hold an ended task's chunks (its gcTimeMs).
      (this.#follower ??= new FollowerRelay(this.#deps.name, this.#deps.tabId, this.#streams, this.#deps.post, () => undefined)).ask(id);
      return 'running';
    };
    const unknown = () => new TaskweaveError('not-found', `No task with id ${id}`, { details: { taskId: id } });
    return { [Symbol.asyncIterator]: () => this.#streams.read(id, lookup, unknown) as AsyncIterator<C> };
  }

  progress(id: TaskId): AsyncIterable<TaskProgress> {
    return { [Symbol.asyncIterator]: () => taskProgress(id, this.#deps.subscribe, this.#deps.get) };
  }

  /** What this tab knows of a task: held running (or queued) here, ended, or unknown. */
  async #lookup(id: TaskId): Promise<StreamLookup> {
    if (this.#deps.scheduler()?.holds(id) === true) return 'running';
    const state = await this.#deps.get(id);
    if (state === undefined) return 'unknown';
    return state.status === 'Pending' || state.status === 'Running' ? 'running' : 'ended';
  }

  close(): void {
    this.#streams.close();
    this.#leader?.close();
    this.#follower?.close();
  }
}

/** The optional fields of a progress value, present only where given. */
export function optionalProgress(from: { total?: number | undefined; note?: string | undefined }): { total?: number; note?: string } {
  const out: { total?: number; note?: string } = {};
  if (from.total !== undefined) out.total = from.total;
  if (from.note !== undefined) out.note = from.note;
  return out;
}
