/**
 * The web-platform globals core uses beyond ECMAScript — every one of them is present in a page,
 * in every kind of worker and in Node ≥ 20. Core's own check (`tsconfig.json`, `lib: ["ES2023"]`,
 * no `types`) sees only these, so a use of anything else (the DOM, IndexedDB, Node's modules) fails
 * there. Declared as the standard libs declare them, narrowed to what core calls.
 *
 * No source file imports this file: a program that compiles core's sources (an app, the worker
 * package, the tests) uses the declarations of its own lib instead.
 */

interface AbortSignal {
  readonly aborted: boolean;
  readonly reason: unknown;
}

interface AbortController {
  readonly signal: AbortSignal;
  abort(reason?: unknown): void;
}

declare var AbortController: {
  prototype: AbortController;
  new (): AbortController;
};

interface Crypto {
  randomUUID(): `${string}-${string}-${string}-${string}-${string}`;
}

declare var crypto: Crypto;

interface TextDecoder {
  decode(input?: Uint8Array): string;
}

declare var TextDecoder: {
  prototype: TextDecoder;
  new (label?: string): TextDecoder;
};

declare function queueMicrotask(callback: () => void): void;
declare function setTimeout(handler: () => void, timeout?: number): unknown;
declare function clearTimeout(id: unknown): void;
