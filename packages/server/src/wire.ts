/**
 * Tasks and results on the wire and in Redis.
 *
 * - HTTP bodies are taskweave JSON (`{ type, input, … }`, as `submit()` takes it) or the seed's
 *   serde JSON (`{ task_type, input: { Text: … }, … }`, core's seedCodec), told apart by
 *   `task_type`. Both end in core's `parseSubmission`, so the server refuses exactly what the
 *   browser refuses, naming the same field.
 * - JSON has no typed arrays: in taskweave JSON a `binary` input's `data` is an array of bytes or
 *   a base64 string, and outputs are written with plain number arrays (`vector: number[]`).
 * - What the server keeps in Redis keeps its types exactly (`encodeStored`/`decodeStored`: typed
 *   arrays as base64 of their bytes, bigints as strings), so a worker hands a handler the very
 *   Float32Array/BigInt64Array the caller meant.
 */
import {
  TaskStatus,
  ValidationError,
  fromSeedTask,
  parseSubmission,
  TaskType,
  resultFromPlainJson,
  textProcessingIssues,
  generationIssues,
  toPlainJson,
  toSeedResult,
  type ResolvedSubmit,
  type SubmitTaskOptions,
  type SubmitValidator,
  type TaskResult,
} from '@taskweave/core';

/** Which JSON a caller speaks; results are answered in the same one. */
export type WireFormat = 'taskweave' | 'seed';

const TYPED = {
  Float32Array,
  Float64Array,
  Int8Array,
  Int16Array,
  Int32Array,
  Uint8Array,
  Uint16Array,
  BigInt64Array,
} as const;
type TypedName = keyof typeof TYPED;

/** JSON text of `value` with typed arrays and bigints kept (see `decodeStored`). */
export function encodeStored(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (typeof v === 'bigint') return { $bigint: v.toString() };
    if (ArrayBuffer.isView(v) && !(v instanceof DataView)) {
      const name = v.constructor.name as TypedName;
      if (name in TYPED) return { $typed: name, b64: Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64') };
    }
    return v;
  });
}

/** The value `encodeStored` wrote. */
export function decodeStored<T = unknown>(text: string): T {
  return JSON.parse(text, (_key, v: unknown) => {
    if (v !== null && typeof v === 'object') {
      const o = v as { $typed?: TypedName; b64?: string; $bigint?: string };
      if (typeof o.$bigint === 'string') return BigInt(o.$bigint);
      if (typeof o.$typed === 'string' && typeof o.b64 === 'string' && o.$typed in TYPED) {
        const bytes = Buffer.from(o.b64, 'base64');
        const Ctor = TYPED[o.$typed];
        const copy = new Uint8Array(bytes.byteLength);
        copy.set(bytes);
        return new Ctor(copy.buffer, 0, copy.byteLength / Ctor.BYTES_PER_ELEMENT);
      }
    }
    return v;
  }) as T;
}

function bytesOf(data: unknown): unknown {
  if (typeof data === 'string') return new Uint8Array(Buffer.from(data, 'base64'));
  if (Array.isArray(data) && data.every((n) => Number.isInteger(n) && n >= 0 && n <= 255)) return Uint8Array.from(data as number[]);
  return data;
}

export { toPlainJson };

/** A task read from an HTTP body, validated, and the JSON its caller speaks. */
export interface ParsedTask {
  submit: ResolvedSubmit;
  format: WireFormat;
  /**
   * Results of dependencies that ran elsewhere (a browser placing a step of its DAG here), handed
   * to the handler as `ctx.dependencies`; absent when none were given.
   */
  dependencyResults?: TaskResult[];
}

/** At most this many given dependency results per task. */
export const MAX_DEPENDENCY_RESULTS = 64;

function readDependencyResults(raw: unknown, dependencies: readonly string[]): TaskResult[] | undefined {
  if (raw === undefined) return undefined;
  const refuse = (field: string, message: string): never => {
    throw new ValidationError(`submit: ${field} ${message}`, [{ path: field.split('.'), field, message }]);
  };
  if (!Array.isArray(raw)) return refuse('dependencyResults', 'must be an array of task results');
  if (raw.length > MAX_DEPENDENCY_RESULTS) return refuse('dependencyResults', `must hold at most ${MAX_DEPENDENCY_RESULTS} results`);
  if (dependencies.length > 0) return refuse('dependencyResults', 'must not be given with dependencies (results of tasks on this server are read here)');
  return raw.map((item, i) => {
    let result: TaskResult;
    try {
      result = resultFromPlainJson(item);
    } catch (error) {
      const issue = error instanceof ValidationError ? error.issues[0] : undefined;
      return refuse(`dependencyResults.${i}${issue?.field ? `.${issue.field}` : ''}`, issue?.message ?? 'must be a task result');
    }
    if (result.status !== TaskStatus.Completed) refuse(`dependencyResults.${i}.status`, 'must be Completed (a task runs after its dependencies completed)');
    return result;
  });
}

/**
 * What the server's handlers would refuse and can be known at submit: TextProcessing's options,
 * with the check its handler (core's `readTextOptions`) and the browser's submit share.
 */
const validate: SubmitValidator = (task) =>
  task.type === TaskType.TextProcessing ? textProcessingIssues(task) : task.type === TaskType.ModelInference ? generationIssues(task) : [];

function isSeed(body: unknown): boolean {
  return body !== null && typeof body === 'object' && 'task_type' in body;
}

/**
 * Validates one task from an HTTP body (taskweave JSON or the seed's serde JSON).
 * @throws ValidationError naming the field
 */
export function parseTaskBody(body: unknown): ParsedTask {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new ValidationError('submit: the body must be a JSON object (one task)', [{ path: [], field: '(root)', message: 'must be an object' }]);
  }
  if (isSeed(body)) {
    const raw = body as Record<string, unknown>;
    // A new task from a seed client may leave out the counters the seed's struct always has.
    const task = fromSeedTask({ retry_count: 0, max_retries: 3, dependencies: [], metadata: {}, ...raw });
    const options: SubmitTaskOptions = {
      id: task.id,
      type: task.type,
      input: task.input as SubmitTaskOptions['input'],
      priority: task.priority,
      maxRetries: task.maxRetries,
      dependencies: task.dependencies,
      metadata: task.metadata,
      ...(task.modelId === undefined ? {} : { modelId: task.modelId }),
      ...(task.deadline === undefined ? {} : { deadline: task.deadline }),
    };
    return { submit: parseSubmission(options, validate), format: 'seed' };
  }
  const { dependencyResults: rawResults, ...options } = body as Record<string, unknown>;
  const input = options['input'];
  if (input !== null && typeof input === 'object' && (input as { kind?: unknown }).kind === 'binary') {
    options['input'] = { ...input, data: bytesOf((input as { data?: unknown }).data) };
  }
  const submit = parseSubmission(options as SubmitTaskOptions, validate);
  const dependencyResults = readDependencyResults(rawResults, submit.dependencies ?? []);
  return dependencyResults === undefined ? { submit, format: 'taskweave' } : { submit, format: 'taskweave', dependencyResults };
}

/** A result as an HTTP answer in `format`. */
export function resultToWire(result: TaskResult, format: WireFormat): unknown {
  return format === 'seed' ? toSeedResult(result) : toPlainJson(result);
}
