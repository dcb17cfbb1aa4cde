import { digestHex } from '../../core/digest.js';
import { err, ok, type Result } from '../../core/error.js';
import type { RunReceipt } from './runReceipt.js';

export const IN_TOTO_STATEMENT_TYPE = 'https://in-toto.io/Statement/v1';
export const RUN_RECEIPT_PREDICATE_TYPE = 'https://kfm.dev/run-receipt/v1';

export interface StatementSubject {
  name: string;
  digest: { sha256: string };
}

/** An in-toto Statement v1. */
export interface Statement<P = unknown> {
  _type: typeof IN_TOTO_STATEMENT_TYPE;
  subject: StatementSubject[];
  predicateType: string;
  predicate: P;
}

/**
 * The statement a run receipt is signed as: its outputs are the subjects (name = the
 * output's path under data/, digest = its SHA-256 hex), the receipt is the predicate.
 * A receipt without outputs yields an empty subject list, which kfm accepts but strict
 * in-toto consumers may not.
 */
export function receiptStatement(receipt: RunReceipt): Statement<RunReceipt> {
  return {
    _type: IN_TOTO_STATEMENT_TYPE,
    subject: receipt.outputs.map((o) => ({ name: o.path, digest: { sha256: digestHex(o.digest) } })),
    predicateType: RUN_RECEIPT_PREDICATE_TYPE,
    predicate: receipt,
  };
}

/**
 * One decoder for every payload: constructing a TextDecoder costs more than decoding a
 * receipt (kfm receipts verify parses each entry's payload twice). A whole-input decode()
 * keeps no state between calls, and `fatal` still rejects any invalid UTF-8.
 */
const UTF8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Parses a DSSE payload as an in-toto Statement v1: JSON, `_type`, a `subject` list whose
 * entries each carry a `digest` object of strings, a `predicateType` string and a
 * `predicate`. The error says what is wrong.
 */
export function parseStatement(payload: Uint8Array): Result<Statement, string> {
  let value: unknown;
  try {
    value = JSON.parse(UTF8.decode(payload));
  } catch (e) {
    return err(`it is not UTF-8 JSON (${(e as Error).message})`);
  }
  if (!isObject(value)) return err('it is not a JSON object');
  if (value._type !== IN_TOTO_STATEMENT_TYPE) {
    return err(`_type is ${JSON.stringify(value._type)}, expected "${IN_TOTO_STATEMENT_TYPE}"`);
  }
  if (!Array.isArray(value.subject)) return err('subject is not a list');
  for (const [i, s] of value.subject.entries()) {
    if (!isObject(s) || !isObject(s.digest) || !Object.values(s.digest).every((d) => typeof d === 'string')) {
      return err(`subject ${i} has no digest`);
    }
  }
  if (typeof value.predicateType !== 'string' || value.predicateType === '') return err('predicateType is missing');
  if (!('predicate' in value)) return err('predicate is missing');
  return ok(value as unknown as Statement);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
