import { canonicalDigest } from '../../core/canonicalJson.js';
import type { Digest } from '../../core/digest.js';
import type { OutputRecord } from '../../core/outputRecord.js';

/** Digest over a node's outputs (name, digest, media type): what its dependents' keys include. */
export function outputsDigest(outputs: OutputRecord[]): Digest {
  return canonicalDigest(outputs.map((o) => [o.name, o.digest, o.media_type]));
}
