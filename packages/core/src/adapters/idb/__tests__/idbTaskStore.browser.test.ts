/**
 * The task store contract (`describeTaskStoreContract`) against `IdbTaskStore` on Chromium's own
 * IndexedDB, where idbTaskStore.test.ts uses fake-indexeddb: the index reads the store's
 * compare-and-set relies on (`getAllKeys` over the sparse `active` index, `getAll` over `seq`),
 * group commit and the durability across a reopen, as an app's page gets them.
 * Runs in the core-browser project (vitest.browser.config.ts), never in the Node one.
 */
import { describeTaskStoreContract, makeRecord, makeTask } from '../../../__tests__/taskStoreContract.js';
import { TaskStatus } from '../../../task.js';
import { IdbTaskStore } from '../idbTaskStore.js';

let counter = 0;
const freshName = () => `contract-${Date.now()}-${++counter}`;

describeTaskStoreContract('IdbTaskStore (Chromium IndexedDB)', () => new IdbTaskStore({ name: freshName() }), {
  reopen: async (store) => {
    await store.close();
    return new IdbTaskStore({ name: (store as IdbTaskStore).name });
  },
  // A function inside a custom value: structured clone refuses it.
  unstorable: () => makeRecord(TaskStatus.Pending, 3, { task: makeTask({ type: 'custom:x', input: { kind: 'custom', value: { f: () => 1 } } }) }),
});
