import type { KeyObject } from 'node:crypto';
import { canonicalJson } from '../../core/canonicalJson.js';
import type { Digest } from '../../core/digest.js';
import { err, ok, type Result } from '../../core/error.js';
import type { Json } from '../../core/json.js';
import type { OutputRecord } from '../../core/outputRecord.js';
import { checkEnvelopeShape, signPayload, verifyEnvelope, type DsseEnvelope } from '../../store/receipts/dsse.js';
import type { TrustedKeys } from '../../store/receipts/trustedKeys.js';
import { schemaValidator } from '../../store/schemaValidator.js';
import type { NodeResult } from '../../store/state.js';
import { outputsDigest } from '../schedule/outputsDigest.js';

/** The DSSE payload type of a shared-cache entry. */
export const CACHE_ENTRY_PAYLOAD_TYPE = 'application/vnd.kfm.cache-entry.v1+json';

/** A shared-cache entry (schemas/cache-entry.schema.json): which outputs a node's key produced. No wall-clock values. */
export interface CacheEntry {
  kfm_cache_entry_version: 'v1';
  node_id: string;
  key: Digest;
  key_doc: string;
  outputs: OutputRecord[];
  outputs_digest: Digest;
  meta: Json;
}

const validate = schemaValidator('cache-entry');

/** The entry of a committed result. */
export function cacheEntryOf(r: NodeResult): CacheEntry {
  return { kfm_cache_entry_version: 'v1', node_id: r.nodeId, key: r.key, key_doc: r.keyDoc, outputs: r.outputs, outputs_digest: r.outputsDigest, meta: r.meta };
}

/** The signed envelope of an entry (canonical JSON payload), as the bucket stores it. */
export function signCacheEntry(entry: CacheEntry, key: { keyid: string; privateKey: KeyObject }): string {
  return canonicalJson(signPayload(CACHE_ENTRY_PAYLOAD_TYPE, Buffer.from(canonicalJson(entry), 'utf8'), key));
}

/**
 * Checks an entry read from the shared cache for node `nodeId` under `key`: the envelope
 * verifies with a key pinned in kfm.trust.json (`pinned`), its payload is a cache entry
 * for that key and node, and its outputs digest recomputes. The error is the rejection's
 * reason, as reported. (Whether its objects exist and re-hash is checked when they are copied.)
 */
export function verifyCacheEntry(text: string, pinned: TrustedKeys, want: { nodeId: string; key: Digest }): Result<CacheEntry, string> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return err('not a cache entry (not JSON)');
  }
  const shape = checkEnvelopeShape(value);
  if (!shape.ok) {
    const sigs = typeof value === 'object' && value !== null ? (value as { signatures?: unknown }).signatures : undefined;
    return err(sigs === undefined || (Array.isArray(sigs) && sigs.length === 0) ? 'unsigned' : `not a cache entry (${shape.error})`);
  }
  const v = verifyEnvelope(value as DsseEnvelope, pinned, CACHE_ENTRY_PAYLOAD_TYPE);
  if (!v.ok) {
    if (v.error.reason === 'bad-signature') return err('bad signature');
    if (v.error.reason === 'payload-type') return err(`not a cache entry (${v.error.message})`);
    if (v.error.reason === 'malformed') return err(`not a cache entry (${v.error.message})`);
    const named = shape.value.signatures.map((s) => s.keyid).filter((k): k is string => typeof k === 'string');
    return err(named.length > 0 ? `signed by unpinned key ${named.join(', ')}` : 'signed by an unpinned key (no key id)');
  }
  let entry: unknown;
  try {
    entry = JSON.parse(v.value.payload.toString('utf8'));
  } catch {
    return err('not a cache entry (schema): payload is not JSON');
  }
  const problems = validate(entry);
  if (problems.length > 0) return err(`not a cache entry (schema): ${problems.join('; ')}`);
  const e = entry as CacheEntry;
  if (e.key !== want.key || e.node_id !== want.nodeId) return err(`entry is for another key/node (${e.node_id} ${e.key.slice(7, 19)})`);
  if (outputsDigest(e.outputs) !== e.outputs_digest) return err('outputs digest mismatch');
  return ok(e);
}
