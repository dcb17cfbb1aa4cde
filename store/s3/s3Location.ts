import { KfmError } from '../../core/error.js';
import { hideUserinfo } from '../../core/redactSecrets.js';
import type { S3StoreDescriptor } from '../contentStore.js';

/** The region used when neither `AWS_REGION` nor `AWS_DEFAULT_REGION` names one. */
const DEFAULT_REGION = 'us-east-1';

const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/**
 * The S3 store a `KFM_STORE=s3://bucket/prefix` URL names, with where to reach it from the
 * environment (nothing secret: credentials stay in the environment of each process):
 *
 * - `KFM_S3_ENDPOINT`, else `AWS_ENDPOINT_URL_S3`, else `AWS_ENDPOINT_URL`: an endpoint
 *   override (MinIO, a test server); none: AWS S3.
 * - `AWS_REGION`, else `AWS_DEFAULT_REGION`, else `us-east-1`.
 * - `KFM_S3_FORCE_PATH_STYLE` (`true`/`false`): path-style addressing; default true with an
 *   endpoint override (what MinIO and test servers need), false for AWS.
 *
 * A malformed URL or bucket, or an endpoint carrying a user name or password, is a
 * KfmError `usage` (the endpoint is shown with its userinfo hidden).
 */
export function s3StoreDescriptor(url: string, env: NodeJS.ProcessEnv): S3StoreDescriptor {
  const m = /^s3:\/\/([^/]+)(?:\/(.*))?$/.exec(url);
  if (!m) throw new KfmError('usage', `KFM_STORE ${url} is not an s3://bucket/prefix URL`);
  const bucket = m[1]!;
  if (!BUCKET.test(bucket)) throw new KfmError('usage', `KFM_STORE ${url}: ${bucket} is not an S3 bucket name (3-63 of a-z, 0-9, '.', '-')`);
  const rawPrefix = (m[2] ?? '').replace(/\/+$/, '');
  if (rawPrefix !== '' && rawPrefix.split('/').some((part) => part === '' || part === '.' || part === '..')) {
    throw new KfmError('usage', `KFM_STORE ${url}: the prefix ${rawPrefix} has an empty, '.' or '..' segment`);
  }
  const prefix = rawPrefix === '' ? '' : `${rawPrefix}/`;
  const endpoint = env.KFM_S3_ENDPOINT || env.AWS_ENDPOINT_URL_S3 || env.AWS_ENDPOINT_URL || undefined;
  if (endpoint !== undefined) {
    let parsed: URL;
    try {
      parsed = new URL(endpoint);
    } catch {
      throw new KfmError('usage', `the S3 endpoint ${hideUserinfo(endpoint)} is not a URL`);
    }
    if (parsed.username !== '' || parsed.password !== '') {
      throw new KfmError('usage', `the S3 endpoint ${hideUserinfo(endpoint)} carries credentials: give them as AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY instead`);
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new KfmError('usage', `the S3 endpoint ${endpoint} is not an http(s) URL`);
  }
  const pathStyle = env.KFM_S3_FORCE_PATH_STYLE;
  if (pathStyle !== undefined && pathStyle !== 'true' && pathStyle !== 'false') {
    throw new KfmError('usage', `KFM_S3_FORCE_PATH_STYLE is ${pathStyle}: give true or false`);
  }
  return {
    kind: 's3',
    bucket,
    prefix,
    ...(endpoint !== undefined ? { endpoint } : {}),
    region: env.AWS_REGION || env.AWS_DEFAULT_REGION || DEFAULT_REGION,
    forcePathStyle: pathStyle === undefined ? endpoint !== undefined : pathStyle === 'true',
  };
}

/** The store's URL as messages show it: `s3://bucket/prefix`. */
export function s3StoreUrl(d: Pick<S3StoreDescriptor, 'bucket' | 'prefix'>): string {
  return `s3://${d.bucket}/${d.prefix}`;
}
