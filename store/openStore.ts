import { KfmError, unreachable } from '../core/error.js';
import { FileContentStore, type ContentStore, type StoreDescriptor } from './contentStore.js';
import { MemoryContentStore } from './memory/memoryContentStore.js';
import { S3ContentStore } from './s3/s3ContentStore.js';

/**
 * Opens the store a descriptor names: in a worker thread, the store the engine's thread
 * described (`store.descriptor`). A local store opens its directory; an S3 store its
 * bucket, signing in with this process's AWS credentials; a memory store is found by id in
 * this process's registry (in-process runners only: a worker thread has its own, empty
 * registry, so there it is a KfmError `store`).
 */
export function openStore(descriptor: Extract<StoreDescriptor, { kind: 'local' }>): FileContentStore;
export function openStore(descriptor: StoreDescriptor): ContentStore;
export function openStore(descriptor: StoreDescriptor): ContentStore {
  switch (descriptor.kind) {
    case 'local':
      return new FileContentStore(descriptor.root, descriptor.durability);
    case 's3':
      // Credentials: this process's AWS environment (the descriptor carries none).
      return new S3ContentStore(descriptor);
    case 'memory': {
      const store = MemoryContentStore.byId(descriptor.id);
      if (!store) {
        throw new KfmError('store', `no in-memory content store ${descriptor.id} in this thread: memory stores serve in-process runners only`);
      }
      return store;
    }
    default:
      return unreachable(descriptor);
  }
}
