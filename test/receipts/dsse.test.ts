import { createPrivateKey, createPublicKey, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { sha256 } from '../../core/digest.js';
import { IN_TOTO_PAYLOAD_TYPE, paeEncode, serializeEnvelope, signStatement, verifyEnvelope, type DsseEnvelope } from '../../store/receipts/dsse.js';
import {
  IN_TOTO_STATEMENT_TYPE,
  parseStatement,
  receiptStatement,
  RUN_RECEIPT_PREDICATE_TYPE,
} from '../../store/receipts/inTotoStatement.js';
import { keyIdOf } from '../../store/receipts/signingKey.js';
import { sampleReceipt } from './receiptRig.js';

function keyPair(): { keyid: string; privateKey: KeyObject; publicKey: KeyObject } {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return { keyid: keyIdOf(publicKey), privateKey, publicKey };
}

/** An Ed25519 private key from its 32-byte seed (PKCS#8 DER prefix for Ed25519 + seed). */
function keyFromSeed(hex: string): KeyObject {
  return createPrivateKey({ key: Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), Buffer.from(hex, 'hex')]), format: 'der', type: 'pkcs8' });
}

const receipt = sampleReceipt(1, { input: sha256('input'), output: sha256('output'), report: sha256('report') });

describe('paeEncode', () => {
  it('matches the DSSE protocol test vector', () => {
    // protocol.md: PAE("http://example.com/HelloWorld", "hello world").
    expect(paeEncode('http://example.com/HelloWorld', Buffer.from('hello world')).toString('latin1')).toBe(
      'DSSEv1 29 http://example.com/HelloWorld 11 hello world',
    );
  });

  it('counts bytes, not characters, and keeps the space before an empty body', () => {
    // "ä" is two bytes in UTF-8: 28 characters, 29 bytes.
    const type = 'application/vnd.exämple+json';
    expect(type.length).toBe(28);
    expect(paeEncode(type, Buffer.from('é')).toString('hex')).toBe(
      Buffer.concat([Buffer.from('DSSEv1 29 '), Buffer.from(type, 'utf8'), Buffer.from(' 2 '), Buffer.from('é', 'utf8')]).toString('hex'),
    );
    expect(paeEncode(IN_TOTO_PAYLOAD_TYPE, Buffer.alloc(0)).toString()).toBe('DSSEv1 28 application/vnd.in-toto+json 0 ');
  });

  it('reproduces a known Ed25519 signature over a PAE (RFC 8032 test key 1)', () => {
    const key = keyFromSeed('9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60');
    expect(Buffer.from(createPublicKey(key).export({ format: 'jwk' }).x!, 'base64url').toString('hex')).toBe(
      'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a',
    );
    const pae = paeEncode(IN_TOTO_PAYLOAD_TYPE, Buffer.from('{"_type":"https://in-toto.io/Statement/v1"}'));
    expect(pae.toString()).toBe('DSSEv1 28 application/vnd.in-toto+json 43 {"_type":"https://in-toto.io/Statement/v1"}');
    expect(sign(null, pae, key).toString('base64')).toBe(
      '2WAfaHm5jluo0w+0rk8uVkluELJYWjSmU9x7EUzx+AyteDGJ4/nqyJXfmAUVFIAoQafWm7AxBZNw5M9ixNHiCA==',
    );
  });
});

describe('receiptStatement', () => {
  it('is an in-toto Statement v1 whose subjects are the outputs and whose predicate is the receipt', () => {
    const s = receiptStatement(receipt);
    expect(s).toEqual({
      _type: 'https://in-toto.io/Statement/v1',
      subject: [{ name: receipt.outputs[0]!.path, digest: { sha256: sha256('output').slice(7) } }],
      predicateType: 'https://kfm.dev/run-receipt/v1',
      predicate: receipt,
    });
  });
});

describe('signStatement / verifyEnvelope', () => {
  const signer = keyPair();
  const trusted = new Map([[signer.keyid, signer.publicKey]]);

  it('signs the canonical statement with Ed25519 over the PAE, and verifies', () => {
    const env = signStatement(receiptStatement(receipt), signer);
    expect(env.payloadType).toBe('application/vnd.in-toto+json');
    expect(env.signatures).toHaveLength(1);
    expect(env.signatures[0]!.keyid).toBe(signer.keyid);
    const result = verifyEnvelope(env, trusted);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.value.keyid).toBe(signer.keyid);
    const statement = parseStatement(result.value.payload);
    expect(statement.ok && statement.value.predicateType).toBe(RUN_RECEIPT_PREDICATE_TYPE);
    expect(statement.ok && statement.value.predicate).toEqual(receipt);
    // Canonical: the payload is RFC 8785 text, so signing is deterministic.
    expect(signStatement(receiptStatement(receipt), signer)).toEqual(env);
    expect(serializeEnvelope(env)).toBe(
      `{"payload":"${env.payload}","payloadType":"application/vnd.in-toto+json","signatures":[{"keyid":"${signer.keyid}","sig":"${env.signatures[0]!.sig}"}]}`,
    );
  });

  it('accepts URL-safe base64', () => {
    const env = signStatement(receiptStatement(receipt), signer);
    const urlSafe = (b64: string) => Buffer.from(b64, 'base64').toString('base64url');
    const result = verifyEnvelope({ ...env, payload: urlSafe(env.payload), signatures: [{ ...env.signatures[0]!, sig: urlSafe(env.signatures[0]!.sig) }] }, trusted);
    expect(result.ok).toBe(true);
  });

  it('says which problem: bad payload type', () => {
    const env = signStatement(receiptStatement(receipt), signer);
    expect(verifyEnvelope({ ...env, payloadType: 'application/json' }, trusted)).toEqual({
      ok: false,
      error: { reason: 'payload-type', message: 'envelope payload type is "application/json", expected "application/vnd.in-toto+json"' },
    });
  });

  it('says which problem: bad signature (payload altered)', () => {
    const env = signStatement(receiptStatement(receipt), signer);
    const altered = Buffer.from(env.payload, 'base64').toString().replace('svc:kfm-ci', 'svc:mallory');
    expect(verifyEnvelope({ ...env, payload: Buffer.from(altered).toString('base64') }, trusted)).toEqual({
      ok: false,
      error: { reason: 'bad-signature', message: `envelope signature invalid for key ${signer.keyid}` },
    });
  });

  it('says which problem: unknown key id', () => {
    const stranger = keyPair();
    const env = signStatement(receiptStatement(receipt), stranger);
    expect(verifyEnvelope(env, trusted)).toEqual({
      ok: false,
      error: { reason: 'unknown-key', message: `envelope signed by an unknown key ${stranger.keyid} (not among the trusted keys)` },
    });
    // An untrusted key claiming a trusted key's id is a bad signature, not a pass.
    const forged: DsseEnvelope = { ...env, signatures: [{ keyid: signer.keyid, sig: env.signatures[0]!.sig }] };
    expect(verifyEnvelope(forged, trusted)).toMatchObject({ ok: false, error: { reason: 'bad-signature' } });
  });

  it('treats the keyid as a hint: a trusted key verifies under a wrong or missing keyid', () => {
    const env = signStatement(receiptStatement(receipt), signer);
    const result = verifyEnvelope({ ...env, signatures: [{ keyid: 'sha256:nope', sig: env.signatures[0]!.sig }] }, trusted);
    expect(result.ok && result.value.keyid).toBe(signer.keyid);
    expect(verifyEnvelope({ ...env, signatures: [{ sig: env.signatures[0]!.sig }] }, trusted).ok).toBe(true);
  });

  it('accepts when any signature verifies with a trusted key', () => {
    const stranger = keyPair();
    const a = signStatement(receiptStatement(receipt), stranger);
    const b = signStatement(receiptStatement(receipt), signer);
    const result = verifyEnvelope({ ...a, signatures: [...a.signatures, ...b.signatures] }, trusted);
    expect(result.ok && result.value.keyid).toBe(signer.keyid);
  });

  it('says which problem: not an envelope', () => {
    const env = signStatement(receiptStatement(receipt), signer);
    const malformed = (value: unknown) => {
      const r = verifyEnvelope(value, trusted);
      return r.ok ? 'ok' : `${r.error.reason}: ${r.error.message}`;
    };
    expect(malformed(null)).toBe('malformed: envelope is not a DSSE envelope: not a JSON object');
    expect(malformed({ ...env, payload: '**' })).toBe('malformed: envelope is not a DSSE envelope: payload is not base64');
    expect(malformed({ ...env, signatures: [] })).toBe('malformed: envelope is not a DSSE envelope: signatures is not a non-empty list');
    expect(malformed({ ...env, signatures: [{ sig: 5 }] })).toBe('malformed: envelope is not a DSSE envelope: signature 0 is not base64');
  });
});

describe('parseStatement', () => {
  const parse = (value: unknown) => {
    const r = parseStatement(Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)));
    return r.ok ? 'ok' : r.error;
  };

  it('accepts a statement and says what is wrong with anything else', () => {
    const good = { _type: IN_TOTO_STATEMENT_TYPE, subject: [{ name: 'x', digest: { sha256: 'ab' } }], predicateType: 'https://x/y', predicate: {} };
    expect(parse(good)).toBe('ok');
    expect(parse('{')).toMatch(/^it is not UTF-8 JSON \(/);
    expect(parse([])).toBe('it is not a JSON object');
    expect(parse({ ...good, _type: 'https://in-toto.io/Statement/v0.1' })).toBe(
      '_type is "https://in-toto.io/Statement/v0.1", expected "https://in-toto.io/Statement/v1"',
    );
    expect(parse({ ...good, subject: {} })).toBe('subject is not a list');
    expect(parse({ ...good, subject: [{ name: 'x' }] })).toBe('subject 0 has no digest');
    expect(parse({ ...good, predicateType: '' })).toBe('predicateType is missing');
    const { predicate: _, ...noPredicate } = good;
    expect(parse(noPredicate)).toBe('predicate is missing');
  });
});
