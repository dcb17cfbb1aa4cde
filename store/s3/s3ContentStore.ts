import { createHash } from 'node:crypto';
import { createReadStream, type ReadStream } from 'node:fs';
import { mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CopyObjectCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { compareCodePoints } from '../../core/compareCodePoints.js';
import { digestHex, type Digest } from '../../core/digest.js';
import { KfmError } from '../../core/error.js';
import {
  materializeCopy,
  type ContentStore,
  type MaterializeMode,
  type ObjectCheck,
  type S3StoreDescriptor,
  type StoredObject,
} from '../contentStore.js';
import { s3Client } from './s3Client.js';
import { s3StoreUrl } from './s3Location.js';
import { isS3NotFound, s3Status, type S3Failure } from './s3Failure.js';

const hashOf = (bytes: Uint8Array): Digest => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

/** How many objects `flush` checks at a time. */
const IN_FLIGHT = 8;

const status = s3Status;
const isNotFound = isS3NotFound;
/** The conditional PUT found an object there (412), or raced another conditional write of it (409). */
const isAlreadyThere = (e: unknown): boolean => status(e) === 412 || status(e) === 409;

/** A body that can be produced again: each upload attempt reads it anew. */
type Body = () => Buffer | ReadStream;

/**
 * The content store in an S3 bucket (AWS S3, MinIO, any S3-compatible server): objects under
 * `<prefix>sha256/<first 2 hex>/<64 hex>`, immutable once written.
 *
 * Nothing the server says about an object's bytes is trusted (not its ETag, not a checksum
 * header): every upload is read back and re-hashed, every read is re-hashed. A put writes
 * only if absent: a conditional PUT (`If-None-Match: *`), which AWS S3 and MinIO honour;
 * a server that ignores the condition (s3rver, older MinIO) overwrites an object of the
 * same digest, which holds the same bytes, so the result is the same (docs: README
 * "Scale-out"). An object that reads back corrupt is moved aside (`quarantine`: copied to
 * `<prefix>corrupt/<hex>` and deleted) and uploaded again; a corrupt object found by a read
 * is reported (KfmError `store`) and the engine quarantines it, so its producer reruns.
 *
 * `putStream` spools its source to a temp file while hashing it (the key is the digest, so
 * it is known only at the end), then uploads the file as a stream; nothing is held in memory.
 * One PUT carries an object, so an object is at most 5 GiB (S3's single-PUT limit).
 * Credentials are the AWS SDK's default chain: the standard environment variables
 * (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`), a profile, or an
 * instance role; none is kept in the descriptor, logged, or put in a message.
 */
export class S3ContentStore implements ContentStore {
  readonly descriptor: S3StoreDescriptor;
  readonly #client: S3Client;
  readonly #bucket: string;
  readonly #prefix: string;

  constructor(descriptor: S3StoreDescriptor) {
    this.descriptor = { ...descriptor };
    this.#bucket = descriptor.bucket;
    this.#prefix = descriptor.prefix;
    this.#client = s3Client(descriptor);
  }

  /** The key an object lives under (whether or not it exists). */
  keyOf(digest: Digest): string {
    const hex = digestHex(digest);
    return `${this.#prefix}sha256/${hex.slice(0, 2)}/${hex}`;
  }

  async has(digest: Digest, size?: number): Promise<boolean> {
    const found = await this.#size(this.keyOf(digest));
    return found !== undefined && (size === undefined || found === size);
  }

  async get(digest: Digest): Promise<Buffer> {
    const chunks: Buffer[] = [];
    for await (const chunk of this.stream(digest)) chunks.push(chunk);
    return Buffer.concat(chunks);
  }

  async put(bytes: Uint8Array): Promise<StoredObject> {
    const copy = Buffer.from(bytes);
    const stored = { digest: hashOf(copy), size: copy.length };
    await this.#install(stored, () => copy);
    return stored;
  }

  async putStream(source: AsyncIterable<Uint8Array>): Promise<StoredObject> {
    const dir = await mkdtemp(join(tmpdir(), 'kfm-s3-'));
    try {
      const spool = join(dir, 'object');
      const hash = createHash('sha256');
      let size = 0;
      const fh = await open(spool, 'wx', 0o600);
      try {
        for await (const chunk of source) {
          // Written before the next chunk is asked for: a source may reuse its buffer.
          for (let off = 0; off < chunk.length; ) off += (await fh.write(chunk, off, chunk.length - off)).bytesWritten;
          hash.update(chunk);
          size += chunk.length;
        }
      } finally {
        await fh.close();
      }
      const stored: StoredObject = { digest: `sha256:${hash.digest('hex')}`, size };
      await this.#install(stored, () => createReadStream(spool, { highWaterMark: 1 << 20 }));
      return stored;
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  async *stream(digest: Digest): AsyncGenerator<Buffer> {
    const hash = createHash('sha256');
    for await (const chunk of this.#body(digest)) {
      hash.update(chunk);
      yield chunk;
    }
    const actual: Digest = `sha256:${hash.digest('hex')}`;
    if (actual !== digest) throw new KfmError('store', `store object ${digest} is corrupt: its bytes hash to ${actual}`);
  }

  /** Always a verified copy: there is no file to link to. */
  async materialize(digest: Digest, absPath: string, _mode: MaterializeMode): Promise<'written' | 'present'> {
    return materializeCopy(this.stream(digest), digest, absPath);
  }

  async check(digest: Digest): Promise<ObjectCheck> {
    const hash = createHash('sha256');
    try {
      for await (const chunk of this.#body(digest)) hash.update(chunk);
    } catch (e) {
      if (e instanceof MissingObject) return 'missing';
      throw e;
    }
    return `sha256:${hash.digest('hex')}` === digest ? 'ok' : 'corrupt';
  }

  /** An acknowledged PUT is durable in S3: flush only confirms that every object is there. */
  async flush(digests: Iterable<Digest>): Promise<void> {
    const list = [...digests];
    for (let i = 0; i < list.length; i += IN_FLIGHT) {
      const batch = list.slice(i, i + IN_FLIGHT);
      const sizes = await Promise.all(batch.map((d) => this.#size(this.keyOf(d))));
      const gone = batch.find((_, j) => sizes[j] === undefined);
      if (gone !== undefined) throw this.#missing(gone);
    }
  }

  async *digests(): AsyncGenerator<Digest> {
    const base = `${this.#prefix}sha256/`;
    const found: Digest[] = [];
    let token: string | undefined;
    do {
      const page = await this.#send('list', base, () =>
        this.#client.send(new ListObjectsV2Command({ Bucket: this.#bucket, Prefix: base, ...(token ? { ContinuationToken: token } : {}) })),
      );
      for (const o of page.Contents ?? []) {
        const m = /^([0-9a-f]{2})\/([0-9a-f]{64})$/.exec((o.Key ?? '').slice(base.length));
        if (m && m[2]!.startsWith(m[1]!)) found.push(`sha256:${m[2]}`);
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    yield* found.sort(compareCodePoints);
  }

  async quarantine(digest: Digest): Promise<'quarantined' | 'missing'> {
    const key = this.keyOf(digest);
    if ((await this.#size(key)) === undefined) return 'missing';
    const hex = digestHex(digest);
    // A second quarantine of the same digest keeps the first one's bytes too.
    let target = `${this.#prefix}corrupt/${hex}`;
    for (let i = 1; (await this.#size(target)) !== undefined; i++) target = `${this.#prefix}corrupt/${hex}.${i}`;
    const source = `${this.#bucket}/${key.split('/').map(encodeURIComponent).join('/')}`;
    try {
      await this.#client.send(new CopyObjectCommand({ Bucket: this.#bucket, Key: target, CopySource: source }));
    } catch (e) {
      if (isNotFound(e)) return 'missing';
      throw this.#failure('copy', key, e);
    }
    await this.#send('delete', key, () => this.#client.send(new DeleteObjectCommand({ Bucket: this.#bucket, Key: key })));
    return 'quarantined';
  }

  /** Frees the client's connections. */
  close(): void {
    this.#client.destroy();
  }

  /**
   * Uploads an object unless an object of that size is there already, then reads it back and
   * re-hashes it. Read back corrupt (a torn transfer, or a corrupt object the conditional PUT
   * left in place): quarantined and uploaded once more; still not intact: a KfmError `store`.
   */
  async #install(stored: StoredObject, body: Body): Promise<void> {
    const key = this.keyOf(stored.digest);
    if ((await this.#size(key)) === stored.size) return;
    for (let attempt = 1; ; attempt++) {
      await this.#upload(key, body(), stored.size);
      const found = await this.check(stored.digest);
      if (found === 'ok') return;
      if (attempt === 2) {
        throw new KfmError('store', `store object ${stored.digest} did not read back intact from ${this.#where(key)} after ${attempt} uploads (${found})`);
      }
      if (found === 'corrupt') await this.quarantine(stored.digest);
    }
  }

  async #upload(key: string, body: Buffer | ReadStream, size: number): Promise<void> {
    try {
      await this.#client.send(
        new PutObjectCommand({ Bucket: this.#bucket, Key: key, Body: body, ContentLength: size, IfNoneMatch: '*', ContentType: 'application/octet-stream' }),
      );
    } catch (e) {
      if (isAlreadyThere(e)) return;
      throw this.#failure('upload', key, e);
    } finally {
      if (!Buffer.isBuffer(body)) body.destroy();
    }
  }

  /** An object's byte size (a HEAD), or undefined when there is none. */
  async #size(key: string): Promise<number | undefined> {
    try {
      const head = await this.#client.send(new HeadObjectCommand({ Bucket: this.#bucket, Key: key }));
      return head.ContentLength ?? 0;
    } catch (e) {
      if (isNotFound(e)) return undefined;
      throw this.#failure('head', key, e);
    }
  }

  /** The object's bytes as they come, unverified. Missing: a MissingObject (a KfmError `store`). */
  async *#body(digest: Digest): AsyncGenerator<Buffer> {
    const key = this.keyOf(digest);
    let body: AsyncIterable<Uint8Array> & { destroy?: () => void };
    try {
      const got = await this.#client.send(new GetObjectCommand({ Bucket: this.#bucket, Key: key }));
      body = got.Body as unknown as AsyncIterable<Uint8Array> & { destroy?: () => void };
    } catch (e) {
      if (isNotFound(e)) throw this.#missing(digest);
      throw this.#failure('download', key, e);
    }
    if (body === undefined) return;
    try {
      for await (const chunk of body) yield Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    } finally {
      body.destroy?.();
    }
  }

  async #send<T>(op: string, key: string, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (e) {
      throw this.#failure(op, key, e);
    }
  }

  #where(key: string): string {
    return `s3://${this.#bucket}/${key}`;
  }

  #missing(digest: Digest): KfmError {
    return new MissingObject(`store object ${digest} is missing (${this.#where(this.keyOf(digest))})`);
  }

  /** What the SDK said, without anything of the request (no credentials ever reach a message). */
  #failure(op: string, key: string, e: unknown): KfmError {
    if (e instanceof KfmError) return e;
    const f = e as S3Failure;
    const code = f.name && f.name !== 'Error' ? `${f.name}: ` : '';
    const http = status(e) !== undefined ? ` (HTTP ${status(e)})` : '';
    const at = this.descriptor.endpoint !== undefined ? ` at ${this.descriptor.endpoint}` : '';
    return new KfmError('store', `S3 ${op} of ${this.#where(key)}${at} failed${http}: ${code}${f.message ?? String(e)} (store ${s3StoreUrl(this.descriptor)})`);
  }
}

/** A missing object: a KfmError `store`, told apart from other failures inside this file. */
class MissingObject extends KfmError {
  constructor(message: string) {
    super('store', message);
  }
}
