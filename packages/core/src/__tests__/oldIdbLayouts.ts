import type { IDBPDatabase } from 'idb';

/**
 * The task store's own stores as v2 and v3 created them, `seq` index included (retired since):
 * for tests of what an open does to a database written by older code.
 */
export function createV2TaskStores(db: IDBPDatabase): void {
  const tasks = db.createObjectStore('tasks', { keyPath: 'task.id' });
  tasks.createIndex('seq', 'seq');
  tasks.createIndex('active', 'activeSeq');
  tasks.createIndex('done', ['doneAt', 'seq']);
  db.createObjectStore('quarantine', { keyPath: 'key' });
  db.createObjectStore('meta', { keyPath: 'key' });
}
