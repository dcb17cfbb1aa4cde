import { createPublicKey, randomBytes, type KeyObject } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { KfmError } from '../../core/error.js';
import { keyIdOf } from './signingKey.js';

/** Public keys whose signatures verification accepts, by key id (`sha256:<hex>`). */
export type TrustedKeys = ReadonlyMap<string, KeyObject>;

const PUB_SUFFIX = '.pub.pem';

/** `.kfm/keys/`: the project's trusted public keys, one `<keyid hex>.pub.pem` each. */
export function trustedKeysDir(kfmDir: string): string {
  return join(kfmDir, 'keys');
}

/**
 * Records a public key in the project (`.kfm/keys/<keyid hex>.pub.pem`), so receipts it
 * signed verify without the private key. Idempotent. Returns the file's path.
 */
export function trustPublicKey(kfmDir: string, key: { keyid: string; publicKeyPem: string }): string {
  const dir = trustedKeysDir(kfmDir);
  const hex = key.keyid.slice('sha256:'.length);
  const path = join(dir, `${hex}${PUB_SUFFIX}`);
  let existing: string | undefined;
  try {
    existing = readFileSync(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  if (existing !== undefined && existing === key.publicKeyPem) return path;
  if (keyIdOf(parsePublicKey(key.publicKeyPem, 'the key to trust')) !== key.keyid) {
    throw new KfmError('store', `the public key to trust does not have key id ${key.keyid}`);
  }
  mkdirSync(dir, { recursive: true });
  const tmp = join(dir, `.tmp-${process.pid}-${randomBytes(6).toString('hex')}`);
  writeFileSync(tmp, key.publicKeyPem, { mode: 0o644 });
  renameSync(tmp, path);
  return path;
}

/**
 * The project's trusted keys: every `.kfm/keys/*.pub.pem` (none when the directory does
 * not exist). A file that is not an Ed25519 public key, or whose name is not its key id's
 * hex, is an error: a mislabelled key is not silently trusted or ignored.
 */
export function loadTrustedKeys(kfmDir: string): TrustedKeys {
  const dir = trustedKeysDir(kfmDir);
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return new Map();
    throw e;
  }
  const keys = new Map<string, KeyObject>();
  for (const name of names.sort()) {
    if (!name.endsWith(PUB_SUFFIX)) continue;
    const path = join(dir, name);
    const key = parsePublicKey(readFileSync(path, 'utf8'), path);
    const keyid = keyIdOf(key);
    if (`${keyid.slice('sha256:'.length)}${PUB_SUFFIX}` !== name) {
      throw new KfmError('store', `trusted key ${path} has key id ${keyid}: its file name must be that id's hex${PUB_SUFFIX}`);
    }
    keys.set(keyid, key);
  }
  return keys;
}

function parsePublicKey(pem: string, what: string): KeyObject {
  // createPublicKey would derive a public key from a private one: refuse those outright.
  if (pem.includes('PRIVATE KEY')) throw new KfmError('store', `${what} holds a private key: only public keys belong in the project`);
  let key: KeyObject;
  try {
    key = createPublicKey({ key: pem, format: 'pem' });
  } catch (e) {
    throw new KfmError('store', `${what} is not a PEM public key: ${(e as Error).message}`);
  }
  if (key.type !== 'public' || key.asymmetricKeyType !== 'ed25519') {
    throw new KfmError('store', `${what} is not an Ed25519 public key`);
  }
  return key;
}
