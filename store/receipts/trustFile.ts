import { createPublicKey, type KeyObject } from 'node:crypto';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { compareCodePoints } from '../../core/compareCodePoints.js';
import { KfmError } from '../../core/error.js';
import type { Json } from '../../core/json.js';
import { sortedJson } from '../../core/sortedJson.js';
import { schemaValidator } from '../schemaValidator.js';
import { keyIdOf } from './signingKey.js';
import type { TrustedKeys } from './trustedKeys.js';

/** The trust file, at the project root (committed). */
export const TRUST_FILE = 'kfm.trust.json';
/** Its format (`kfm_trust_version`). */
export const TRUST_VERSION = 'v1';

/** One pinned key. */
export interface PinnedKey {
  keyid: string;
  /** SPKI PEM. */
  public_key: string;
  /** Who or what signs with it. */
  owner: string;
}

/** `kfm.trust.json` (schemas/trust.schema.json). */
export interface TrustFile {
  kfm_trust_version: typeof TRUST_VERSION;
  keys: PinnedKey[];
}

const validate = schemaValidator('trust');

/**
 * Reads and checks `kfm.trust.json`: undefined when there is none. Not JSON, failing its
 * schema, a key id that is not its key's, a key listed twice or a private key: an error
 * naming the file (exit 2), never a silently ignored key.
 */
export function readTrustFile(root: string): TrustFile | undefined {
  let text: string;
  try {
    text = readFileSync(join(root, TRUST_FILE), 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new KfmError('kfmfile', `cannot read ${TRUST_FILE}: ${(e as Error).message}`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new KfmError('kfmfile', `not JSON: ${(e as Error).message}`, { file: TRUST_FILE });
  }
  const problems = validate(value);
  if (problems.length > 0) throw new KfmError('kfmfile', `does not match schemas/trust.schema.json: ${problems.join('; ')}`, { file: TRUST_FILE });
  const file = value as TrustFile;
  const seen = new Set<string>();
  file.keys.forEach((k, i) => {
    const key = parsePinnedKey(k.public_key, `${TRUST_FILE} /keys/${i}`);
    const id = keyIdOf(key);
    if (id !== k.keyid) throw new KfmError('kfmfile', `/keys/${i}: keyid ${k.keyid} is not its public key's id (${id})`, { file: TRUST_FILE });
    if (seen.has(id)) throw new KfmError('kfmfile', `/keys/${i}: key ${id} is listed twice`, { file: TRUST_FILE });
    seen.add(id);
  });
  return file;
}

/** The keys a trust file pins, by key id. */
export function pinnedKeys(file: TrustFile | undefined): TrustedKeys {
  const keys = new Map<string, KeyObject>();
  for (const k of file?.keys ?? []) keys.set(k.keyid, parsePinnedKey(k.public_key, TRUST_FILE));
  return keys;
}

/** Writes `kfm.trust.json`: keys sorted by key id, sorted JSON keys, through a temp file. */
export function writeTrustFile(root: string, file: TrustFile): void {
  const sorted: TrustFile = { kfm_trust_version: TRUST_VERSION, keys: [...file.keys].sort((a, b) => compareCodePoints(a.keyid, b.keyid)) };
  const problems = validate(sorted);
  if (problems.length > 0) throw new KfmError('store', `internal: ${TRUST_FILE} would not match its schema: ${problems.join('; ')}`);
  const path = join(root, TRUST_FILE);
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, sortedJson(sorted as unknown as Json));
  renameSync(tmp, path);
}

/**
 * Pins a public key (PEM text) in the trust file, creating the file when there is none.
 * Returns the key's id and whether the file changed (false: already pinned).
 */
export function pinKey(root: string, publicKeyPem: string, owner: string): { keyid: string; added: boolean; created: boolean } {
  const key = parsePinnedKey(publicKeyPem, 'the key to pin');
  const keyid = keyIdOf(key);
  const before = readTrustFile(root);
  if (before?.keys.some((k) => k.keyid === keyid)) return { keyid, added: false, created: false };
  const pem = key.export({ format: 'pem', type: 'spki' }) as string;
  writeTrustFile(root, { kfm_trust_version: TRUST_VERSION, keys: [...(before?.keys ?? []), { keyid, public_key: pem, owner }] });
  return { keyid, added: true, created: before === undefined };
}

function parsePinnedKey(pem: string, what: string): KeyObject {
  // createPublicKey would derive a public key from a private one: refuse those outright.
  if (pem.includes('PRIVATE KEY')) throw new KfmError('usage', `${what} holds a private key: only public keys are pinned`);
  let key: KeyObject;
  try {
    key = createPublicKey({ key: pem, format: 'pem' });
  } catch (e) {
    throw new KfmError('usage', `${what} is not a PEM public key: ${(e as Error).message}`);
  }
  if (key.type !== 'public' || key.asymmetricKeyType !== 'ed25519') throw new KfmError('usage', `${what} is not an Ed25519 public key`);
  return key;
}
