import { stat, unlink } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { KfmError } from '../../core/error.js';
import type { Digest } from '../../core/digest.js';
import type { ContentStore } from '../../store/contentStore.js';
import { presentOrRefuse } from '../../store/contentStore.js';
import type { JobInput, TaskJob } from '../schedule/job.js';
import { OpenedStores } from './openedStores.js';

/**
 * A worker's half of moving declared input files: a job's input files are fetched from its
 * store (where the coordinator put them) by digest, verified as they stream, into a
 * directory of this worker (`<dir>/<hex>/<file name>`, the name kept for tasks that look at
 * it), and the job's inputs point there. A file already in the directory is re-hashed once
 * per process and fetched again if its bytes are not the digest's. So a worker's checkout
 * needs the task code, not the input files.
 */
export class InputCache {
  readonly #dir: string;
  readonly #ready = new Map<string, Promise<string>>();
  readonly #stores = new OpenedStores();
  /** Input files fetched from the store by this process (not found in the directory). */
  fetched = 0;

  constructor(dir: string) {
    this.#dir = dir;
  }

  /** The job with each input's absPath a verified local copy of its digest's bytes. */
  async localize(job: TaskJob): Promise<TaskJob> {
    if (job.inputs.length === 0) return job;
    const store = this.#store(job);
    const inputs = await Promise.all(job.inputs.map(async (i): Promise<JobInput> => ({ ...i, absPath: await this.#file(store, i) })));
    return { ...job, inputs };
  }

  #file(store: ContentStore, input: JobInput): Promise<string> {
    const path = join(this.#dir, input.digest.slice('sha256:'.length), posix.basename(input.path) || 'input');
    let ready = this.#ready.get(path);
    if (!ready) {
      ready = this.#fetch(store, input.digest, input.path, path);
      this.#ready.set(path, ready);
      // Failed: the next job that needs it tries again.
      ready.catch(() => this.#ready.delete(path));
    }
    return ready;
  }

  async #fetch(store: ContentStore, digest: Digest, name: string, path: string): Promise<string> {
    if (await stat(path).catch(() => undefined)) {
      try {
        await presentOrRefuse(digest, path);
        return path;
      } catch {
        await unlink(path);
      }
    }
    if (!(await store.has(digest))) {
      throw new KfmError('store', `input file ${name} (${digest}) is not in the store: the coordinator puts a job's input files there before queueing it`);
    }
    await store.materialize(digest, path, 'copy');
    this.fetched++;
    return path;
  }

  #store(job: TaskJob): ContentStore {
    return this.#stores.of(job.store);
  }
}
