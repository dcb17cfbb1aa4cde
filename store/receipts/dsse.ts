import { sign, verify, type KeyObject } from 'node:crypto';
import { canonicalJson } from '../../core/canonicalJson.js';
import { err, ok, type Result } from '../../core/error.js';
import type { Statement } from './inTotoStatement.js';
import type { TrustedKeys } from './trustedKeys.js';

/** The one payload type kfm signs and accepts. */
export const IN_TOTO_PAYLOAD_TYPE = 'application/vnd.in-toto+json';

export interface DsseSignature {
  /** The signer's key id (`sha256:<hex>`, see keyIdOf): a hint for picking the key, not trusted. */
  keyid: string;
  /** Base64 Ed25519 signature over `paeEncode(payloadType, payload bytes)`. */
  sig: string;
}

/** A DSSE envelope (JSON form). `payload` is the base64 of the serialized statement. */
export interface DsseEnvelope {
  payloadType: string;
  payload: string;
  signatures: DsseSignature[];
}

/**
 * DSSE's pre-authentication encoding:
 * `"DSSEv1" SP LEN(type) SP type SP LEN(body) SP body`, LEN the decimal byte length
 * (of the UTF-8 type), no leading zeros.
 */
export function paeEncode(payloadType: string, body: Uint8Array): Buffer {
  const type = Buffer.from(payloadType, 'utf8');
  return Buffer.concat([Buffer.from(`DSSEv1 ${type.length} `, 'ascii'), type, Buffer.from(` ${body.length} `, 'ascii'), body]);
}

/**
 * Signs a statement: the payload is its RFC 8785 canonical JSON (UTF-8), signed with
 * Ed25519 over the PAE; the envelope carries one signature with the key's id.
 */
export function signStatement(statement: Statement, key: { keyid: string; privateKey: KeyObject }): DsseEnvelope {
  const body = Buffer.from(canonicalJson(statement), 'utf8');
  const sig = sign(null, paeEncode(IN_TOTO_PAYLOAD_TYPE, body), key.privateKey);
  return {
    payloadType: IN_TOTO_PAYLOAD_TYPE,
    payload: body.toString('base64'),
    signatures: [{ keyid: key.keyid, sig: sig.toString('base64') }],
  };
}

/** Signs a payload of another type (a shared-cache entry): the same PAE and Ed25519 signature as signStatement. */
export function signPayload(payloadType: string, body: Buffer, key: { keyid: string; privateKey: KeyObject }): DsseEnvelope {
  const sig = sign(null, paeEncode(payloadType, body), key.privateKey);
  return { payloadType, payload: body.toString('base64'), signatures: [{ keyid: key.keyid, sig: sig.toString('base64') }] };
}

/** An envelope as kfm stores it (ledger rows, receipt files): RFC 8785 canonical JSON. */
export function serializeEnvelope(envelope: DsseEnvelope): string {
  return canonicalJson(envelope);
}

/** Why an envelope does not verify. */
export type EnvelopeProblem =
  /** Not a DSSE envelope (shape, base64). */
  | { reason: 'malformed'; message: string }
  /** A payload type other than application/vnd.in-toto+json. */
  | { reason: 'payload-type'; message: string }
  /** No signature by a trusted key (the key ids named are unknown). */
  | { reason: 'unknown-key'; message: string }
  /** A signature names a trusted key but does not verify with it: payload or signature altered. */
  | { reason: 'bad-signature'; message: string };

export interface VerifiedEnvelope {
  /** The trusted key that verified. */
  keyid: string;
  /** The authenticated payload bytes. */
  payload: Buffer;
}

const BASE64_RE = /^(?:[A-Za-z0-9+/]*|[A-Za-z0-9_-]*)={0,2}$/;

/**
 * Verifies a DSSE envelope against trusted Ed25519 keys. It accepts when one signature
 * verifies with a trusted key (threshold 1): the key its keyid names first, then, since a
 * keyid is only a hint, every other trusted key. Standard and URL-safe base64 are accepted.
 */
export function verifyEnvelope(envelope: unknown, trustedKeys: TrustedKeys, payloadType: string = IN_TOTO_PAYLOAD_TYPE): Result<VerifiedEnvelope, EnvelopeProblem> {
  const shape = checkEnvelopeShape(envelope);
  if (!shape.ok) return err({ reason: 'malformed', message: `envelope is not a DSSE envelope: ${shape.error}` });
  const env = shape.value;
  if (env.payloadType !== payloadType) {
    return err({
      reason: 'payload-type',
      message: `envelope payload type is ${JSON.stringify(env.payloadType)}, expected "${payloadType}"`,
    });
  }
  const payload = Buffer.from(env.payload, 'base64');
  const pae = paeEncode(env.payloadType, payload);
  const namedTrusted: string[] = [];
  const namedUnknown: string[] = [];
  for (const s of env.signatures) {
    const sig = Buffer.from(s.sig, 'base64');
    const named = s.keyid !== undefined ? trustedKeys.get(s.keyid) : undefined;
    if (s.keyid !== undefined) (named ? namedTrusted : namedUnknown).push(s.keyid);
    const candidates: [string, KeyObject][] = named ? [[s.keyid!, named]] : [];
    for (const entry of trustedKeys) if (entry[0] !== s.keyid) candidates.push(entry);
    for (const [keyid, key] of candidates) {
      if (verifies(pae, key, sig)) return ok({ keyid, payload });
    }
  }
  if (namedTrusted.length > 0) {
    return err({ reason: 'bad-signature', message: `envelope signature invalid for key ${namedTrusted.join(', ')}` });
  }
  return err({
    reason: 'unknown-key',
    message:
      namedUnknown.length > 0
        ? `envelope signed by an unknown key ${namedUnknown.join(', ')} (not among the trusted keys)`
        : 'envelope signature names no key id and verifies with no trusted key',
  });
}

/** The payload bytes of an envelope, unverified (to index or report on what it claims). */
export function unverifiedPayload(envelope: DsseEnvelope): Buffer {
  return Buffer.from(envelope.payload, 'base64');
}

function verifies(pae: Buffer, key: KeyObject, sig: Buffer): boolean {
  try {
    return verify(null, pae, key, sig);
  } catch {
    return false;
  }
}

/** The envelope's structure (DSSE envelope.md), or what is wrong with it. */
export function checkEnvelopeShape(value: unknown): Result<{ payloadType: string; payload: string; signatures: { keyid?: string; sig: string }[] }, string> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return err('not a JSON object');
  const v = value as Record<string, unknown>;
  if (typeof v.payloadType !== 'string') return err('payloadType is not a string');
  if (typeof v.payload !== 'string' || !BASE64_RE.test(v.payload)) return err('payload is not base64');
  if (!Array.isArray(v.signatures) || v.signatures.length === 0) return err('signatures is not a non-empty list');
  for (const [i, s] of (v.signatures as unknown[]).entries()) {
    if (typeof s !== 'object' || s === null) return err(`signature ${i} is not an object`);
    const sig = s as Record<string, unknown>;
    if (typeof sig.sig !== 'string' || !BASE64_RE.test(sig.sig)) return err(`signature ${i} is not base64`);
    if (sig.keyid !== undefined && typeof sig.keyid !== 'string') return err(`signature ${i} keyid is not a string`);
  }
  return ok(v as { payloadType: string; payload: string; signatures: { keyid?: string; sig: string }[] });
}
