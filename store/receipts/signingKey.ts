import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import {
  chmodSync,
  closeSync,
  constants,
  copyFileSync,
  fchmodSync,
  fsyncSync,
  linkSync,
  mkdirSync,
  openSync,
  readFileSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { KfmError } from '../../core/error.js';

/** The environment variable naming a PKCS#8 PEM Ed25519 private key to sign with. */
export const SIGNING_KEY_ENV = 'KFM_SIGNING_KEY';

/** An Ed25519 key pair that signs receipts. */
export interface SigningKey {
  /** `sha256:` + hex SHA-256 of the raw 32-byte public key (see `keyIdOf`). */
  keyid: string;
  privateKey: KeyObject;
  publicKey: KeyObject;
  /** SPKI PEM: what `.kfm/keys/<keyid hex>.pub.pem` holds. */
  publicKeyPem: string;
  /** The private key's file. */
  path: string;
  /** Where the path came from: the `path` option, KFM_SIGNING_KEY, or the default location. */
  source: 'path' | 'env' | 'default';
  /** True when this call generated the key. */
  created: boolean;
}

/**
 * A public key's id: `sha256:` + the lowercase hex SHA-256 of the raw 32-byte Ed25519
 * public key (RFC 8032 encoding, the `x` of its JWK), not of a PEM or DER wrapping, so the
 * id does not depend on how the key is stored.
 */
export function keyIdOf(publicKey: KeyObject): string {
  if (publicKey.asymmetricKeyType !== 'ed25519') {
    throw new KfmError('store', `kfm signs with Ed25519 keys, not ${publicKey.asymmetricKeyType ?? 'symmetric'} keys`);
  }
  const raw = Buffer.from(publicKey.export({ format: 'jwk' }).x!, 'base64url');
  return `sha256:${createHash('sha256').update(raw).digest('hex')}`;
}

/** `$XDG_CONFIG_HOME/kfm/keys/ed25519.pem`, else `~/.config/kfm/keys/ed25519.pem`. */
export function defaultSigningKeyPath(env: NodeJS.ProcessEnv = process.env): string {
  const xdg = env.XDG_CONFIG_HOME;
  // The XDG spec ignores relative paths.
  const home = env.HOME && isAbsolute(env.HOME) ? env.HOME : homedir();
  const base = xdg && isAbsolute(xdg) ? xdg : join(home, '.config');
  return join(base, 'kfm', 'keys', 'ed25519.pem');
}

/**
 * The key receipts are signed with, by precedence: the `path` option, the file
 * KFM_SIGNING_KEY names (in `env`, default process.env), else the per-user default key
 * (`defaultSigningKeyPath`), generated on first use: the directory is created 0700, the
 * file 0600, written to a temp file and hard-linked into place, so concurrent first uses
 * agree on one key. A named key that does not exist is an error (never generated). With
 * `projectRoot`, a key inside the project is refused: private keys stay out of the
 * project tree (and out of version control).
 */
export function loadOrCreateSigningKey(options: { path?: string; env?: NodeJS.ProcessEnv; projectRoot?: string } = {}): SigningKey {
  const env = options.env ?? process.env;
  const named = options.path ?? env[SIGNING_KEY_ENV];
  const source: SigningKey['source'] = options.path !== undefined ? 'path' : named ? 'env' : 'default';
  const path = resolve(named || defaultSigningKeyPath(env));
  if (options.projectRoot !== undefined) {
    const rel = relative(resolve(options.projectRoot), path);
    if (rel === '' || (!rel.startsWith('..') && !isAbsolute(rel))) {
      throw new KfmError('usage', `the signing key ${path} is inside the project: keep private keys outside it`);
    }
  }
  let created = false;
  let pem: string;
  try {
    pem = readFileSync(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw new KfmError('usage', `cannot read the signing key ${path}: ${(e as Error).message}`);
    }
    if (source === 'env') throw new KfmError('usage', `${SIGNING_KEY_ENV} names ${path}, which does not exist`);
    if (source === 'path') throw new KfmError('usage', `the signing key ${path} does not exist`);
    created = createKeyFile(path);
    pem = readFileSync(path, 'utf8');
  }
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey({ key: pem, format: 'pem' });
  } catch (e) {
    throw new KfmError('usage', `the signing key ${path} is not a PEM private key: ${(e as Error).message}`);
  }
  if (privateKey.asymmetricKeyType !== 'ed25519') {
    throw new KfmError('usage', `the signing key ${path} is a ${privateKey.asymmetricKeyType ?? 'symmetric'} key: kfm signs with Ed25519`);
  }
  const publicKey = createPublicKey(privateKey);
  return {
    keyid: keyIdOf(publicKey),
    privateKey,
    publicKey,
    publicKeyPem: publicKey.export({ format: 'pem', type: 'spki' }) as string,
    path,
    source,
    created,
  };
}

/** Generates a key into `path`; false when another process created it first. */
function createKeyFile(path: string): boolean {
  const dir = dirname(path);
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    chmodSync(dir, 0o700);
  } catch (e) {
    throw new KfmError('usage', `cannot create the key directory ${dir}: ${(e as Error).message}`);
  }
  const pem = generateKeyPairSync('ed25519').privateKey.export({ format: 'pem', type: 'pkcs8' }) as string;
  const tmp = join(dir, `.tmp-${process.pid}-${randomBytes(6).toString('hex')}`);
  const fd = openSync(tmp, 'wx', 0o600);
  try {
    fchmodSync(fd, 0o600);
    writeSync(fd, pem);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    linkSync(tmp, path);
    return true;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return false;
    if (code === 'EPERM' || code === 'ENOTSUP' || code === 'EOPNOTSUPP') {
      // No hard links here: an exclusive copy (not atomic, but never clobbers a key).
      try {
        copyFileSync(tmp, path, constants.COPYFILE_EXCL);
        chmodSync(path, 0o600);
        return true;
      } catch (e2) {
        if ((e2 as NodeJS.ErrnoException).code === 'EEXIST') return false;
        throw new KfmError('usage', `cannot write the signing key ${path}: ${(e2 as Error).message}`);
      }
    }
    throw new KfmError('usage', `cannot write the signing key ${path}: ${(e as Error).message}`);
  } finally {
    unlinkSync(tmp);
  }
}
