import { createHash } from 'node:crypto';

/** A content digest as kfm writes it everywhere: `sha256:` + 64 lowercase hex. */
export type Digest = `sha256:${string}`;

export const DIGEST_RE = /^sha256:[0-9a-f]{64}$/;

export function sha256(data: string | Uint8Array): Digest {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

export function isDigest(value: unknown): value is Digest {
  return typeof value === 'string' && DIGEST_RE.test(value);
}

/** The 64 hex characters of a digest. */
export function digestHex(digest: Digest): string {
  return digest.slice('sha256:'.length);
}
