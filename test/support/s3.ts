/**
 * A throwaway S3 server for tests: s3rver (a real HTTP S3 API over a temp directory) on a
 * free loopback port, with one bucket, removed after. Requests are signed with s3rver's
 * fixed test credentials, which `env` holds with the endpoint, so a test can hand the
 * same environment to kfm in a child process.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import S3rver from 's3rver';

export interface S3Server {
  endpoint: string;
  bucket: string;
  /** The environment that points kfm (and the AWS SDK) at this server. */
  env: Record<string, string>;
  /** Writes bytes under a key, behind any store's back. */
  putRaw(key: string, bytes: string | Uint8Array): Promise<void>;
  /** The bytes under a key, or undefined. */
  getRaw(key: string): Promise<Buffer | undefined>;
  deleteRaw(key: string): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Starts the server with a bucket. s3rver knows one access key, `S3RVER`; it accepts any
 * well-formed signature (`allowMismatchedSignatures`), so a test may sign with a secret of
 * its own (`secret`) and then look for it where it must never appear.
 */
export async function startS3(bucket = 'kfm-test', secret = 'S3RVER'): Promise<S3Server> {
  // The SDK's notice of its coming Node 22 floor, once per process, on stderr.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const dir = mkdtempSync(join(tmpdir(), 'kfm-s3rver-'));
  const server = new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory: dir, allowMismatchedSignatures: true, configureBuckets: [{ name: bucket, configs: [] }] });
  const { port } = await server.run();
  const endpoint = `http://127.0.0.1:${port}`;
  const env = {
    AWS_ACCESS_KEY_ID: 'S3RVER',
    AWS_SECRET_ACCESS_KEY: secret,
    AWS_REGION: 'us-east-1',
    KFM_S3_ENDPOINT: endpoint,
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };
  const client = new S3Client({
    endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  return {
    endpoint,
    bucket,
    env,
    async putRaw(key, bytes) {
      await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: Buffer.from(bytes) }));
    },
    async getRaw(key) {
      try {
        const got = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
        return Buffer.from(await got.Body!.transformToByteArray());
      } catch (e) {
        if ((e as { name?: string }).name === 'NoSuchKey') return undefined;
        throw e;
      }
    },
    async deleteRaw(key) {
      await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
    },
    async stop() {
      client.destroy();
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
