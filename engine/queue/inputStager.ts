import { createReadStream } from 'node:fs';
import { KfmError } from '../../core/error.js';
import type { ContentStore } from '../../store/contentStore.js';
import type { TaskJob } from '../schedule/job.js';
import { OpenedStores } from './openedStores.js';

/**
 * The coordinator's half of moving declared input files to workers: before a job is
 * queued, each of its input files is put in the job's store (the bucket) unless an object
 * with its digest is there already, so a worker fetches it by digest instead of reading
 * its own checkout. Each digest is staged once per build; a file whose bytes no longer
 * hash to the digest the plan gave it is a KfmError `store` (it changed during the build).
 */
export class InputStager {
  readonly #staged = new Map<string, Promise<void>>();
  readonly #stores = new OpenedStores();
  /** Input files put in the store by this build (not there before). */
  uploaded = 0;

  /** Every input file of `job` in its store. */
  async stage(job: TaskJob): Promise<void> {
    if (job.inputs.length === 0) return;
    const store = this.#store(job);
    await Promise.all(
      job.inputs.map((input) => {
        let staged = this.#staged.get(input.digest);
        if (!staged) {
          staged = this.#put(store, input.absPath, input.path, input.digest);
          this.#staged.set(input.digest, staged);
          // A failure is reported to every job that needs the file; the next build tries again.
          staged.catch(() => undefined);
        }
        return staged;
      }),
    );
  }

  async #put(store: ContentStore, absPath: string, path: string, digest: TaskJob['inputs'][number]['digest']): Promise<void> {
    if (await store.has(digest)) return;
    const put = await store.putStream(createReadStream(absPath));
    this.uploaded++;
    if (put.digest !== digest) throw new KfmError('store', `input file ${path} changed during the build (hashed ${digest}, now ${put.digest}): build again`);
  }

  #store(job: TaskJob): ContentStore {
    return this.#stores.of(job.store);
  }
}
