import { spawn } from 'node:child_process';
import { createHash, generateKeyPairSync } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { KfmError } from '../../core/error.js';
import { defaultSigningKeyPath, keyIdOf, loadOrCreateSigningKey } from '../../store/receipts/signingKey.js';
import { loadTrustedKeys, trustedKeysDir, trustPublicKey } from '../../store/receipts/trustedKeys.js';
import { REPO_ROOT } from '../support/cliRig.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'kfm-keys-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

const mode = (path: string) => statSync(path).mode & 0o777;

function writePem(path: string, kind: 'ed25519' | 'ec'): void {
  const { privateKey } = kind === 'ed25519' ? generateKeyPairSync('ed25519') : generateKeyPairSync('ec', { namedCurve: 'P-256' });
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, privateKey.export({ format: 'pem', type: 'pkcs8' }) as string, { mode: 0o600 });
}

describe('loadOrCreateSigningKey', () => {
  it('generates the default key on first use: dir 0700, file 0600, under $XDG_CONFIG_HOME/kfm/keys', () => {
    const env = { XDG_CONFIG_HOME: join(dir, 'xdg'), HOME: join(dir, 'home') };
    const key = loadOrCreateSigningKey({ env });
    expect(key.path).toBe(join(dir, 'xdg', 'kfm', 'keys', 'ed25519.pem'));
    expect(key.source).toBe('default');
    expect(key.created).toBe(true);
    expect(mode(key.path)).toBe(0o600);
    expect(mode(join(dir, 'xdg', 'kfm', 'keys'))).toBe(0o700);
    expect(readFileSync(key.path, 'utf8')).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
    // No temp file left beside it.
    expect(readdirSync(join(dir, 'xdg', 'kfm', 'keys'))).toEqual(['ed25519.pem']);

    const again = loadOrCreateSigningKey({ env });
    expect(again.created).toBe(false);
    expect(again.keyid).toBe(key.keyid);
  });

  it('falls back to ~/.config when XDG_CONFIG_HOME is unset or relative', () => {
    expect(defaultSigningKeyPath({ HOME: '/home/ada' })).toBe('/home/ada/.config/kfm/keys/ed25519.pem');
    expect(defaultSigningKeyPath({ HOME: '/home/ada', XDG_CONFIG_HOME: 'rel/cfg' })).toBe('/home/ada/.config/kfm/keys/ed25519.pem');
    const key = loadOrCreateSigningKey({ env: { HOME: dir } });
    expect(key.path).toBe(join(dir, '.config', 'kfm', 'keys', 'ed25519.pem'));
    expect(mode(key.path)).toBe(0o600);
  });

  it('uses the key KFM_SIGNING_KEY names, and an explicit path before it', () => {
    const envKey = join(dir, 'ci', 'signing.pem');
    const pathKey = join(dir, 'explicit.pem');
    writePem(envKey, 'ed25519');
    writePem(pathKey, 'ed25519');
    const env = { KFM_SIGNING_KEY: envKey, HOME: dir };
    const fromEnv = loadOrCreateSigningKey({ env });
    expect(fromEnv).toMatchObject({ path: envKey, source: 'env', created: false });
    const fromPath = loadOrCreateSigningKey({ env, path: pathKey });
    expect(fromPath).toMatchObject({ path: pathKey, source: 'path', created: false });
    expect(fromPath.keyid).not.toBe(fromEnv.keyid);
    // Nothing was generated in the default place.
    expect(() => statSync(join(dir, '.config'))).toThrow();
  });

  it('never generates a named key that does not exist', () => {
    const missing = join(dir, 'nope.pem');
    expect(() => loadOrCreateSigningKey({ env: { KFM_SIGNING_KEY: missing } })).toThrow(
      new KfmError('usage', `KFM_SIGNING_KEY names ${missing}, which does not exist`),
    );
    expect(() => loadOrCreateSigningKey({ path: missing, env: {} })).toThrow(`the signing key ${missing} does not exist`);
    expect(() => statSync(missing)).toThrow();
  });

  it('refuses keys that are not Ed25519 PEM private keys', () => {
    const ec = join(dir, 'ec.pem');
    writePem(ec, 'ec');
    expect(() => loadOrCreateSigningKey({ path: ec, env: {} })).toThrow(`the signing key ${ec} is a ec key: kfm signs with Ed25519`);
    const junk = join(dir, 'junk.pem');
    writeFileSync(junk, 'hello');
    expect(() => loadOrCreateSigningKey({ path: junk, env: {} })).toThrow(new RegExp(`^the signing key ${junk} is not a PEM private key: `));
  });

  it('refuses a key inside the project', () => {
    const project = join(dir, 'project');
    expect(() => loadOrCreateSigningKey({ env: { XDG_CONFIG_HOME: join(project, 'cfg') }, projectRoot: project })).toThrow(
      `the signing key ${join(project, 'cfg', 'kfm', 'keys', 'ed25519.pem')} is inside the project: keep private keys outside it`,
    );
    expect(() => statSync(join(project, 'cfg'))).toThrow();
  });

  it('key id = sha256: + hex SHA-256 of the raw 32-byte public key', () => {
    const key = loadOrCreateSigningKey({ env: { HOME: dir } });
    const spki = key.publicKey.export({ format: 'der', type: 'spki' });
    // Ed25519 SPKI DER is a fixed 12-byte header followed by the raw key.
    expect(spki.length).toBe(44);
    const raw = spki.subarray(12);
    expect(key.keyid).toBe(`sha256:${createHash('sha256').update(raw).digest('hex')}`);
    expect(keyIdOf(key.publicKey)).toBe(key.keyid);
    expect(key.publicKeyPem).toMatch(/^-----BEGIN PUBLIC KEY-----\n/);
  });

  it('concurrent first uses agree on one key', async () => {
    const env = { ...process.env, XDG_CONFIG_HOME: join(dir, 'xdg') };
    const script = `
      const { loadOrCreateSigningKey } = await import(${JSON.stringify(pathToFileURL(join(REPO_ROOT, 'dist/store/receipts/signingKey.js')).href)});
      process.stdout.write(loadOrCreateSigningKey().keyid);
    `;
    const run = () =>
      new Promise<string>((resolve, reject) => {
        const child = spawn(process.execPath, ['--input-type=module', '-e', script], { env });
        let out = '';
        let errText = '';
        child.stdout.on('data', (d: Buffer) => (out += d.toString()));
        child.stderr.on('data', (d: Buffer) => (errText += d.toString()));
        child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(errText))));
      });
    const ids = await Promise.all(Array.from({ length: 6 }, run));
    expect(new Set(ids).size).toBe(1);
    expect(loadOrCreateSigningKey({ env }).keyid).toBe(ids[0]);
  });
});

describe('trusted keys', () => {
  it('records public keys in .kfm/keys/<keyid hex>.pub.pem and loads them back', () => {
    const kfmDir = join(dir, '.kfm');
    expect(loadTrustedKeys(kfmDir).size).toBe(0);
    const a = loadOrCreateSigningKey({ env: { HOME: join(dir, 'a') } });
    const b = loadOrCreateSigningKey({ env: { HOME: join(dir, 'b') } });
    const pathA = trustPublicKey(kfmDir, a);
    expect(pathA).toBe(join(kfmDir, 'keys', `${a.keyid.slice(7)}.pub.pem`));
    expect(trustPublicKey(kfmDir, a)).toBe(pathA);
    trustPublicKey(kfmDir, b);
    expect(readFileSync(pathA, 'utf8')).toBe(a.publicKeyPem);
    const trusted = loadTrustedKeys(kfmDir);
    expect([...trusted.keys()].sort()).toEqual([a.keyid, b.keyid].sort());
    expect(trusted.get(a.keyid)!.equals(a.publicKey)).toBe(true);
  });

  it('refuses a key under the wrong id, a mislabelled file, and private keys', () => {
    const kfmDir = join(dir, '.kfm');
    const a = loadOrCreateSigningKey({ env: { HOME: join(dir, 'a') } });
    const b = loadOrCreateSigningKey({ env: { HOME: join(dir, 'b') } });
    expect(() => trustPublicKey(kfmDir, { keyid: a.keyid, publicKeyPem: b.publicKeyPem })).toThrow(
      `the public key to trust does not have key id ${a.keyid}`,
    );

    const keys = trustedKeysDir(kfmDir);
    mkdirSync(keys, { recursive: true });
    const wrongName = join(keys, `${a.keyid.slice(7)}.pub.pem`);
    writeFileSync(wrongName, b.publicKeyPem);
    expect(() => loadTrustedKeys(kfmDir)).toThrow(
      `trusted key ${wrongName} has key id ${b.keyid}: its file name must be that id's hex.pub.pem`,
    );
    rmSync(wrongName);

    const secret = join(keys, `${a.keyid.slice(7)}.pub.pem`);
    writeFileSync(secret, readFileSync(a.path));
    expect(() => loadTrustedKeys(kfmDir)).toThrow(`${secret} holds a private key: only public keys belong in the project`);
  });
});
