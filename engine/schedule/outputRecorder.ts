import { KfmError } from '../../core/error.js';
import type { Json } from '../../core/json.js';
import type { OutputRecord } from '../../core/outputRecord.js';

const OUTPUT_NAME_RE = /^(?!\/)(?!.*(^|\/)\.\.?(\/|$))[A-Za-z0-9._\-/]+$/;

/** Collects what a task produces: its named outputs (each once, with a media type) and its meta. */
export class OutputRecorder {
  readonly #outputs = new Map<string, OutputRecord>();
  #meta: Json = null;

  /** Throws a task error for a name that is not a relative path, is taken, or lacks a media type. */
  check(name: string, mediaType: string): void {
    if (typeof name !== 'string' || !OUTPUT_NAME_RE.test(name) || name.includes('//') || name.endsWith('/')) {
      throw new KfmError('task', `invalid output name ${JSON.stringify(name)}: use a relative path of letters, digits, . _ - /`);
    }
    if (this.#outputs.has(name)) throw new KfmError('task', `output "${name}" was written twice`);
    if (typeof mediaType !== 'string' || !/^[\w.+-]+\/[\w.+-]+/.test(mediaType)) {
      throw new KfmError('task', `output "${name}" needs a media type such as application/json (got ${JSON.stringify(mediaType)})`);
    }
  }

  /** Records a stored object as the output `name` (checked first with `check`). */
  record(name: string, stored: { digest: OutputRecord['digest']; size: number }, mediaType: string): OutputRecord {
    const r: OutputRecord = { name, digest: stored.digest, size: stored.size, media_type: mediaType };
    this.#outputs.set(name, r);
    return r;
  }

  /** Keeps a copy of `value` (as JSON) as the result's meta. */
  setMeta(value: unknown): void {
    this.#meta = JSON.parse(JSON.stringify(value ?? null)) as Json;
  }

  /** The outputs sorted by name (code points), and the meta. */
  result(): { outputs: OutputRecord[]; meta: Json } {
    return {
      outputs: [...this.#outputs.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)),
      meta: this.#meta,
    };
  }
}
