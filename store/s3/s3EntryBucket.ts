import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { KfmError } from '../../core/error.js';
import type { S3StoreDescriptor } from '../contentStore.js';
import { s3Client } from './s3Client.js';
import { s3StoreUrl } from './s3Location.js';
import { isS3NotFound, s3Status, type S3Failure } from './s3Failure.js';

const status = s3Status;
const isNotFound = isS3NotFound;

/**
 * Small named documents in an S3 bucket beside a content store (the shared cache's
 * `<prefix>ac/<key hex>.json` entries): read one, or write one only if absent. Nothing read
 * is trusted here: the caller verifies it. Credentials are the AWS SDK's default chain; no
 * message carries anything of a request.
 */
export class S3EntryBucket {
  readonly #client: S3Client;
  readonly #d: S3StoreDescriptor;

  constructor(descriptor: S3StoreDescriptor) {
    this.#d = { ...descriptor };
    // A cache that does not answer is skipped, not waited for.
    this.#client = s3Client(descriptor, { maxAttempts: 2 });
  }

  /** The text at `<prefix><name>`, or undefined when there is none. */
  async read(name: string): Promise<string | undefined> {
    const key = this.#d.prefix + name;
    try {
      const got = await this.#client.send(new GetObjectCommand({ Bucket: this.#d.bucket, Key: key }));
      return got.Body ? await got.Body.transformToString('utf8') : '';
    } catch (e) {
      if (isNotFound(e)) return undefined;
      throw this.#failure('download', key, e);
    }
  }

  /** Writes `<prefix><name>` unless something is there (a conditional PUT; also checked first, for servers that ignore the condition). */
  async writeIfAbsent(name: string, text: string): Promise<'written' | 'present'> {
    if ((await this.read(name)) !== undefined) return 'present';
    const key = this.#d.prefix + name;
    const body = Buffer.from(text, 'utf8');
    try {
      await this.#client.send(
        new PutObjectCommand({ Bucket: this.#d.bucket, Key: key, Body: body, ContentLength: body.length, IfNoneMatch: '*', ContentType: 'application/json' }),
      );
      return 'written';
    } catch (e) {
      if (status(e) === 412 || status(e) === 409) return 'present';
      throw this.#failure('upload', key, e);
    }
  }

  close(): void {
    this.#client.destroy();
  }

  #failure(op: string, key: string, e: unknown): KfmError {
    const f = e as S3Failure;
    const code = f.name && f.name !== 'Error' ? `${f.name}: ` : '';
    const http = status(e) !== undefined ? ` (HTTP ${status(e)})` : '';
    const at = this.#d.endpoint !== undefined ? ` at ${this.#d.endpoint}` : '';
    return new KfmError('store', `S3 ${op} of s3://${this.#d.bucket}/${key}${at} failed${http}: ${code}${f.message ?? String(e)} (cache ${s3StoreUrl(this.#d)})`);
  }
}
