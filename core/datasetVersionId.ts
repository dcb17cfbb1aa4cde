import { digestHex, type Digest } from './digest.js';

/** `<slice>.<spec8>`, or `<slice>.<spec8>.<inputs8>` for a backfill (CONTRACTS.md "Identity"). */
export function datasetVersionId(slice: string, specHash: Digest, backfillInputs?: Digest): string {
  const base = `${slice}.${digestHex(specHash).slice(0, 8)}`;
  return backfillInputs ? `${base}.${digestHex(backfillInputs).slice(0, 8)}` : base;
}
