import canonicalize from 'canonicalize';
import { sha256, type Digest } from './digest.js';

/**
 * RFC 8785 (JCS) canonical JSON. Throws on values JSON cannot carry faithfully:
 * non-finite numbers and lone surrogates (canonicalize is strict), and `undefined`.
 */
export function canonicalJson(value: unknown): string {
  const text = canonicalize(value);
  if (text === undefined) throw new TypeError('cannot canonicalize undefined');
  return text;
}

export function canonicalDigest(value: unknown): Digest {
  return sha256(canonicalJson(value));
}
