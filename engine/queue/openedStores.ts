import type { ContentStore, StoreDescriptor } from '../../store/contentStore.js';
import { openStore } from '../../store/openStore.js';

/** Stores opened once per descriptor (a queue's jobs name theirs as plain data). */
export class OpenedStores {
  readonly #stores = new Map<string, ContentStore>();

  /** The store a descriptor names, opened on first use. */
  of(descriptor: StoreDescriptor): ContentStore {
    const id = JSON.stringify(descriptor);
    let store = this.#stores.get(id);
    if (!store) {
      store = openStore(descriptor);
      this.#stores.set(id, store);
    }
    return store;
  }
}
