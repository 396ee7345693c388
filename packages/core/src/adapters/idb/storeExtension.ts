/**
 * Store extensions: object stores that another package keeps in a taskweave database
 * (`taskweave:<name>`), next to the task store's own. The package declares them once with
 * `defineStoreExtension` and passes the declaration to every opener it makes (`IdbTaskStore`,
 * `TaskweaveConnection`, `openTaskweaveDb`: option `extensions`); `openTaskweaveDb` creates what
 * the database lacks (see schema.ts for when and at which version). One database per name, so a
 * single transaction can span the task store and an extension's stores.
 *
 * A declaration only ever adds: an opener never deletes or changes a store it does not declare,
 * and refuses (`PersistenceError('corrupt')`) a store or index that exists under a declared name
 * with another key path, which no automatic step can fix.
 */
import type { DBSchema, StoreNames } from 'idb';
import { z } from 'zod';
import { PersistenceError, ValidationError } from '../../errors.js';
import type { TaskweaveDB } from './taskweaveDB.js';

/** A key path: one property path, or several for a compound key. */
export type KeyPath = string | readonly string[];

/** An index of a declared store. */
export interface IndexDeclaration {
  /** @example ['collection', 'seq'] */
  keyPath: KeyPath;
  /** @default false */
  unique?: boolean;
  /** @default false */
  multiEntry?: boolean;
}

/**
 * One declared object store (in-line keys only), with its indexes. For a typed schema `S` the
 * index names are those of `S[store]['indexes']`, all required.
 */
export type ObjectStoreDeclaration<Value = unknown> = Value extends { indexes: infer I }
  ? { keyPath: KeyPath; indexes: { readonly [N in keyof I & string]: IndexDeclaration } }
  : { keyPath: KeyPath; indexes?: Readonly<Record<string, IndexDeclaration>> };

/** The store names of a schema, without `DBSchema`'s index signature. */
type DeclaredNames<S> = { [K in keyof S]: string extends K ? never : K }[keyof S] & string;

/** What `defineStoreExtension` takes: a name and one declaration per store of `S`. */
export interface StoreExtensionDefinition<S extends DBSchema> {
  /** Names the extension in errors, e.g. the package that owns the stores. */
  name: string;
  stores: { readonly [K in DeclaredNames<S>]: ObjectStoreDeclaration<S[K]> };
}

/** A checked declaration of stores, as `openTaskweaveDb` uses it. */
export interface DeclaredStore {
  keyPath: string | string[];
  indexes: ReadonlyMap<string, { keyPath: string | string[]; unique: boolean; multiEntry: boolean }>;
}

/**
 * A store extension, made by `defineStoreExtension`. `S` types the stores for `idb`
 * (`TaskweaveDatabase<S>`); it exists only at compile time.
 */
export interface StoreExtension<S extends DBSchema = DBSchema> {
  readonly name: string;
  readonly stores: ReadonlyMap<string, DeclaredStore>;
  /** Type only: never set. */
  readonly '~schema'?: S;
}

/** The stores of the task store itself (taskweaveDB.ts): no extension may declare them. */
const CORE_STORES = { tasks: true, quarantine: true, meta: true } satisfies Record<StoreNames<TaskweaveDB>, true>;

const keyPathSchema = z.union([
  z.string().min(1, 'must not be empty'),
  z.array(z.string().min(1, 'must not be empty')).min(1, 'must name at least one property'),
]);

const definitionSchema = z.object({
  name: z.string().min(1, 'must not be empty'),
  stores: z.record(
    z
      .string()
      .min(1, 'must not be empty')
      .refine((store) => !Object.hasOwn(CORE_STORES, store), 'is a store of the task store itself'),
    z.object({
      keyPath: keyPathSchema,
      indexes: z
        .record(
          z.string().min(1, 'must not be empty'),
          z.object({ keyPath: keyPathSchema, unique: z.boolean().default(false), multiEntry: z.boolean().default(false) }),
        )
        .default({}),
    }),
  ),
});

/**
 * Declares object stores that a package keeps in the taskweave database, checked once here
 * (a `ValidationError` names the bad field). Pass the result to every opener the package makes.
 *
 * @example
 * interface NotesDB extends DBSchema { notes: { key: string; value: Note; indexes: { byTag: string } } }
 * export const notesStores = defineStoreExtension<NotesDB>({
 *   name: 'my-app/notes',
 *   stores: { notes: { keyPath: 'id', indexes: { byTag: { keyPath: 'tag' } } } },
 * })
 * const store = new IdbTaskStore({ name: 'my-app', extensions: [notesStores] })
 */
export function defineStoreExtension<S extends DBSchema>(definition: StoreExtensionDefinition<S>): StoreExtension<S> {
  const parsed = definitionSchema.safeParse(definition);
  if (!parsed.success) throw ValidationError.fromZod('defineStoreExtension', parsed.error.issues);
  const stores = new Map<string, DeclaredStore>();
  for (const [store, declared] of Object.entries(parsed.data.stores)) {
    stores.set(store, { keyPath: declared.keyPath, indexes: new Map(Object.entries(declared.indexes)) });
  }
  return { name: parsed.data.name, stores };
}

/**
 * The stores of several extensions by name. The same extension may come twice; two extensions
 * that declare one store differently are refused.
 */
export function combineExtensions(extensions: readonly StoreExtension[]): ReadonlyMap<string, DeclaredStore & { owner: string }> {
  const combined = new Map<string, DeclaredStore & { owner: string }>();
  for (const extension of extensions) {
    for (const [store, declared] of extension.stores) {
      const before = combined.get(store);
      if (before === undefined) combined.set(store, { ...declared, owner: extension.name });
      else if (signature(before) !== signature(declared)) {
        throw new ValidationError(`Store "${store}" is declared differently by ${before.owner} and ${extension.name}`, [
          { path: ['extensions', store], field: `extensions.${store}`, message: 'declared twice, differently' },
        ]);
      }
    }
  }
  return combined;
}

/**
 * What of `declared` the database lacks: store names, and `store.index` for an index missing
 * from an existing store. Throws `PersistenceError('corrupt')` when a declared name exists with
 * another key path. Synchronous: it reads only the schema, no records.
 */
export function missingStores(db: IDBDatabase, declared: ReadonlyMap<string, DeclaredStore>): string[] {
  const existing = [...declared.keys()].filter((store) => db.objectStoreNames.contains(store));
  const missing = [...declared.keys()].filter((store) => !db.objectStoreNames.contains(store));
  if (existing.length === 0) return missing;
  // A transaction without requests: it only gives access to the stores' schema.
  const tx = db.transaction(existing, 'readonly');
  for (const store of existing) {
    missing.push(...missingIndexes(tx.objectStore(store), declared.get(store) as DeclaredStore));
  }
  return missing;
}

/** Creates the declared stores and indexes the database lacks, inside its versionchange transaction. */
export function createMissingStores(db: IDBDatabase, tx: IDBTransaction, declared: ReadonlyMap<string, DeclaredStore>): void {
  for (const [name, store] of declared) {
    const objectStore = db.objectStoreNames.contains(name)
      ? tx.objectStore(name)
      : db.createObjectStore(name, { keyPath: store.keyPath });
    for (const missing of missingIndexes(objectStore, store)) {
      const index = missing.slice(name.length + 1);
      const declaredIndex = store.indexes.get(index) as { keyPath: string | string[]; unique: boolean; multiEntry: boolean };
      objectStore.createIndex(index, declaredIndex.keyPath, { unique: declaredIndex.unique, multiEntry: declaredIndex.multiEntry });
    }
  }
}

function missingIndexes(objectStore: IDBObjectStore, declared: DeclaredStore): string[] {
  if (!sameKeyPath(objectStore.keyPath, declared.keyPath)) {
    throw layoutConflict(`store "${objectStore.name}" has key path ${show(objectStore.keyPath)}, declared ${show(declared.keyPath)}`);
  }
  const missing: string[] = [];
  for (const [name, index] of declared.indexes) {
    if (!objectStore.indexNames.contains(name)) {
      missing.push(`${objectStore.name}.${name}`);
      continue;
    }
    const keyPath = objectStore.index(name).keyPath;
    if (!sameKeyPath(keyPath, index.keyPath)) {
      throw layoutConflict(`index "${objectStore.name}.${name}" has key path ${show(keyPath)}, declared ${show(index.keyPath)}`);
    }
  }
  return missing;
}

function layoutConflict(what: string): PersistenceError {
  return new PersistenceError('corrupt', `The taskweave database does not match its declared stores: ${what}`);
}

function sameKeyPath(actual: string | readonly string[] | null, declared: KeyPath): boolean {
  return show(actual) === show(declared);
}

function show(keyPath: string | readonly string[] | null): string {
  return JSON.stringify(keyPath);
}

function signature(store: DeclaredStore): string {
  const indexes = [...store.indexes].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return JSON.stringify([store.keyPath, indexes]);
}
