import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { keyIdOf } from '../../store/receipts/signingKey.js';
import { pinKey, pinnedKeys, readTrustFile, TRUST_FILE } from '../../store/receipts/trustFile.js';

let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'kfm-trust-'));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

const newKey = () => {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return {
    keyid: keyIdOf(publicKey),
    pem: publicKey.export({ format: 'pem', type: 'spki' }) as string,
    privatePem: privateKey.export({ format: 'pem', type: 'pkcs8' }) as string,
  };
};

it('pins keys sorted by key id, idempotently, in sorted JSON; pinnedKeys gives them back', () => {
  const [a, b] = [newKey(), newKey()];
  expect(readTrustFile(root)).toBeUndefined();
  expect(pinKey(root, a.pem, 'alice')).toEqual({ keyid: a.keyid, added: true, created: true });
  expect(pinKey(root, b.pem, 'ci')).toEqual({ keyid: b.keyid, added: true, created: false });
  expect(pinKey(root, a.pem, 'again')).toEqual({ keyid: a.keyid, added: false, created: false });
  const file = readTrustFile(root)!;
  expect(file.kfm_trust_version).toBe('v1');
  expect(file.keys.map((k) => k.keyid)).toEqual([a.keyid, b.keyid].sort());
  expect([...pinnedKeys(file).keys()]).toEqual([a.keyid, b.keyid].sort());
  expect(readFileSync(join(root, TRUST_FILE), 'utf8')).toMatch(/^\{\n {2}"keys": \[/);
});

it('refuses a private key, a key id that is not its key, a key listed twice, and a file that fails the schema', () => {
  const a = newKey();
  expect(() => pinKey(root, a.privatePem, 'x')).toThrow(/holds a private key: only public keys are pinned/);
  const write = (v: unknown) => writeFileSync(join(root, TRUST_FILE), JSON.stringify(v));
  write({ kfm_trust_version: 'v1', keys: [{ keyid: newKey().keyid, public_key: a.pem, owner: 'x' }] });
  expect(() => readTrustFile(root)).toThrow(new RegExp(`/keys/0: keyid sha256:[0-9a-f]{64} is not its public key's id \\(${a.keyid}\\)`));
  write({ kfm_trust_version: 'v1', keys: [{ keyid: a.keyid, public_key: a.pem, owner: 'x' }, { keyid: a.keyid, public_key: a.pem, owner: 'y' }] });
  expect(() => readTrustFile(root)).toThrow(/\/keys\/1: key sha256:[0-9a-f]{64} is listed twice/);
  write({ kfm_trust_version: 'v2', keys: [] });
  expect(() => readTrustFile(root)).toThrow(/does not match schemas\/trust\.schema\.json/);
  writeFileSync(join(root, TRUST_FILE), '{');
  expect(() => readTrustFile(root)).toThrow(/not JSON/);
});
