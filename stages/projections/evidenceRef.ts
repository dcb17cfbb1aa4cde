import { isDigest, type Digest } from '../../core/digest.js';

/**
 * The EvidenceRef of a projected feature: `kfm://artifact/<digest>#<index>`, where
 * `<digest>` is the stored artifact (a GeoJSON FeatureCollection in the content store) and
 * `<index>` is the 0-based position of the feature in its `features` array. Stored bytes
 * never change, so the index names the same feature for as long as the digest exists: the
 * ref resolves by reading the object and taking `features[index]`.
 */
export type EvidenceRef = `kfm://artifact/${Digest}#${number}`;

const EVIDENCE_REF_RE = /^kfm:\/\/artifact\/(sha256:[0-9a-f]{64})#(0|[1-9][0-9]*)$/;

export function evidenceRefOf(digest: Digest, index: number): EvidenceRef {
  return `kfm://artifact/${digest}#${index}`;
}

/** The digest and feature index an EvidenceRef names; undefined when it is not one. */
export function parseEvidenceRef(ref: string): { digest: Digest; index: number } | undefined {
  const m = EVIDENCE_REF_RE.exec(ref);
  if (!m || !isDigest(m[1])) return undefined;
  return { digest: m[1], index: Number(m[2]) };
}
