import { MemoryTaskStore } from '../memoryTaskStore.js';
import { describeTaskStoreContract } from '../../__tests__/taskStoreContract.js';

describeTaskStoreContract('MemoryTaskStore', () => new MemoryTaskStore());
