import { S3Client } from '@aws-sdk/client-s3';
import type { S3StoreDescriptor } from '../contentStore.js';

/**
 * An S3 client for a store descriptor: its region, endpoint and addressing; credentials from
 * the AWS SDK's default chain of this process. kfm hashes every byte itself, so the SDK's
 * own checksums are off (`WHEN_REQUIRED`): they corrupt uploads to servers that do not
 * implement them (s3rver) and add nothing to a SHA-256 re-hash.
 */
export function s3Client(descriptor: S3StoreDescriptor, options: { maxAttempts?: number } = {}): S3Client {
  // The SDK announces its coming Node 22 floor on stderr at the first client; the engine prints nothing.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  return new S3Client({
    region: descriptor.region,
    ...(descriptor.endpoint !== undefined ? { endpoint: descriptor.endpoint } : {}),
    forcePathStyle: descriptor.forcePathStyle,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    ...(options.maxAttempts !== undefined ? { maxAttempts: options.maxAttempts } : {}),
  });
}
